"""How fast is the borrower status page, and how big? Run by hand:

    .venv/bin/python bench/bench_status_page.py [--cases 500] [--rounds 20]

Uses its own SQLite file (BENCH_DATABASE_URL, default /tmp/borrow-bench.sqlite3),
filled once with `seed_demo`. Prints the server time of the status page
(median over sample cases of every state, through the whole middleware
stack, no network), its HTML + CSS size, and how the "no such link" answer
compares for unknown and revoked tokens. Targets: median < 30 ms, < 50 KB.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "sqlite:////tmp/borrow-bench.sqlite3")
# Production-like: DEBUG off (no query log), plain static storage (no collectstatic).
os.environ.setdefault("LOANFLOW_ALLOW_DEV_KEY", "1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
os.environ.setdefault("AXES_ENABLED", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["DJANGO_SETTINGS_MODULE"] = "loanflow.settings"

import django  # noqa: E402

django.setup()
logging.getLogger("django.request").setLevel(logging.ERROR)  # no "Not Found" line per dead-link probe

from django.contrib.staticfiles import finders  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from cases.models import LoanCase  # noqa: E402
from cases.states import CaseState  # noqa: E402
from notifications import links  # noqa: E402

TARGET_MS = 30.0
TARGET_BYTES = 50 * 1024


def ensure_data(cases):
    call_command("migrate", verbosity=0)
    if LoanCase.objects.count() < cases:
        print(f"seeding {cases} demo cases (once) ...", flush=True)
        call_command("seed_demo", cases=cases, password="bench-pass-2026", verbosity=0)


def sample_cases(per_state=4):
    picked = []
    for state in CaseState.values:
        picked += list(LoanCase.objects.filter(status=state).order_by("?")[:per_state])
    return picked


def timed(fn, rounds):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, response


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    ensure_data(args.cases)

    css = len(open(finders.find("borrowers/borrower.css"), "rb").read())
    times, sizes, notices = [], [], []
    for case in sample_cases():
        client = Client(HTTP_HOST="127.0.0.1")
        link, token = links.link_issue(case)
        assert client.get(reverse("borrowers:enter", args=[token])).status_code == 302
        client.get(reverse("borrowers:status"))  # first view: marks notices read
        case_times, response = timed(lambda client=client: client.get(reverse("borrowers:status")), args.rounds)
        assert response.status_code == 200, response.status_code
        times += case_times
        sizes.append(len(response.content))
        notices.append(case.notifications.count())

    median = statistics.median(times)
    p90 = statistics.quantiles(times, n=10)[-1]
    biggest = max(sizes) + css
    print(f"status page: {len(sizes)} cases x {args.rounds} requests, {max(notices)} notices at most on one case")
    print(f"  server time median {median:.1f} ms, p90 {p90:.1f} ms "
          f"(target {TARGET_MS:.0f} ms: median is {median / TARGET_MS:.2f} of it)")
    print(f"  HTML {statistics.median(sizes) / 1024:.1f} KB median, {max(sizes) / 1024:.1f} KB largest; "
          f"CSS {css / 1024:.1f} KB; largest page + CSS {biggest / 1024:.1f} KB "
          f"({biggest / TARGET_BYTES:.2f} of 50 KB)")

    # Unknown and revoked links must not be told apart by their timing.
    case = LoanCase.objects.first()
    link, revoked = links.link_issue(case)
    links.link_issue(case)
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="127.0.0.9")
    results = {}
    for name, token in (("unknown", "A" * 43), ("revoked", revoked), ("malformed", "nope")):
        results[name] = []
        for _ in range(args.rounds * 5):
            cache.clear()  # keep the miss limit from answering instead
            start = time.perf_counter()
            response = client.get(reverse("borrowers:enter", args=[token]))
            results[name].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 404
    base = statistics.median(results["unknown"])
    for name, values in results.items():
        print(f"  dead link '{name}': median {statistics.median(values):.2f} ms "
              f"(ratio to unknown {statistics.median(values) / base:.2f})")


if __name__ == "__main__":
    main()
