"""Benchmark: the whole stack under a mixed load, as production runs it. Run by hand:

    .venv/bin/python bench/load_mix.py [--seconds 60] [--concurrency 8] [--cases 1000]
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lf_loadmix \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/load_mix.py

It creates its own PostgreSQL database (BENCH_DATABASE_URL, default
lf_loadmix, dropped first if a crashed run left it, and at the end), migrates
and seeds it (seed_demo; an API client; borrower links), runs collectstatic,
then starts gunicorn (deploy/gunicorn.conf.py, --web-workers workers) and one
`manage.py qcluster` on Redis (BENCH_REDIS_URL as broker and cache: give it a
database of its own, it is flushed at the start and the end), all with
production settings (DEBUG=0, whitenoise's manifest storage) over plain http
on loopback. From this process, --concurrency clients then work for
--seconds: officers log in through the login form and browse "My work", the
overdue list, the notice monitor and their cases, and move cases on through
the forms of the case page; borrowers open their status-page links; an
integration lists, reads, opens (with an Idempotency-Key, sometimes sent
twice) and signs cases through the API. Each officer client works its own
share of its branch's cases, so no change is refused for a colleague's.

It prints requests per second (and against the same clients fetching a static
file, the stack's ceiling), p50/p95/p99 per page, every distinct error, and
the notices the run wrote against those delivered once the queue drained.
Exits 1 on any error or undelivered notice. Every process it started and the
database are gone when it ends.
"""

import argparse
import collections
import html.parser
import math
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import psycopg
import redis
import requests

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PASSWORD = "load-mix-2026"
# Transitions the officer clients take: forward steps and the documents
# loop. Reject and withdraw end a case, hold leaves it to a supervisor.
AVOIDED = {"reject", "withdraw", "hold"}
OFFICER_PAGES = [("home", 20), ("overdue", 15), ("notices", 10), ("case", 55)]
API_CALLS = [("list", 30), ("detail", 35), ("create", 25), ("replay", 10)]


# --- the servers and their database ---------------------------------------------------------------

def production_env(db_url, redis_url, port, web_workers):
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "BORROWER_LINK_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
        # Plain http on loopback: no redirect to https, cookies without Secure.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "DATABASE_URL": db_url,
        "Q_BROKER_URL": redis_url,
        "CACHE_URL": redis_url,
        "EMAIL_BACKEND": "notifications.channels.console.EmailBackend",
        "NOTIFICATIONS_SMS_BACKEND": "notifications.channels.sms.ConsoleSmsBackend",
        "BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": str(web_workers),
        "LOG_LEVEL": "WARNING",
        # The integration's clients share one API client: its per-client
        # limit (default 1200/min) is not what this run measures.
        "API_RATE_LIMIT": "1000000/min",
    }


def recreate_database(db_url, drop_only=False):
    db = dj_database_url.parse(db_url)
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("load_mix: BENCH_DATABASE_URL must name a PostgreSQL database")
    server = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"] or None,
              "password": db["PASSWORD"] or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def seed(cases, borrowers):
    """Migrate, seed, collectstatic; returns what the clients need."""
    import django

    django.setup()
    from django.core.management import call_command

    from api import services as api_services
    from cases.models import Branch, LoanCase, Role, User
    from cases.states import OPEN_STATES
    from notifications import links

    call_command("migrate", verbosity=0)
    call_command("seed_demo", cases=cases, password=PASSWORD, stdout=open(os.devnull, "w"))
    call_command("collectstatic", interactive=False, verbosity=0)

    branches = list(Branch.objects.order_by("code"))
    officers = {b.code: list(User.objects.filter(branch=b, groups__name=Role.OFFICER).order_by("username")
                             .values_list("username", flat=True)) for b in branches}
    open_cases = {b.code: list(LoanCase.objects.filter(branch=b, status__in=OPEN_STATES).order_by("number")
                               .values_list("number", flat=True)) for b in branches}
    home = Branch.objects.get(code="BJ-CY")
    client, token = api_services.client_create(
        name="load mix", branch=home, transitions=["sign"], may_create=True, may_correct_contact=False,
        webhook_url="",
    )
    api_numbers = list(LoanCase.objects.filter(branch=home).values_list("number", flat=True))
    sample = list(LoanCase.objects.filter(status__in=OPEN_STATES).order_by("?")[:borrowers])
    borrower_paths = [urlsplit(links.status_page_url(case)).path for case in sample]
    return {
        "officers": officers, "open_cases": open_cases, "api_token": token, "api_numbers": api_numbers,
        "api_officer": officers["BJ-CY"][0], "borrower_paths": borrower_paths,
    }


def start_servers(env, logs):
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "loanflow.wsgi"],
        cwd=BASE_DIR, env=env, stdout=logs["web"], stderr=subprocess.STDOUT, start_new_session=True,
    )
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR, env=env, stdout=logs["worker"], stderr=subprocess.STDOUT, start_new_session=True,
    )
    return [gunicorn, cluster]


def stop_servers(processes):
    # SIGTERM to each main process only (gunicorn's arbiter, the cluster's
    # sentinel): both stop their workers gracefully. What is left after 40 s
    # is killed, the whole session.
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            print(f"load_mix: pid {process.pid} did not stop; killed")
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


def wait_for_web(base, processes, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError("a server process ended while starting (see its log)")
        try:
            if requests.get(base + "/accounts/login/", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the web server did not answer in time")


# --- the clients -----------------------------------------------------------------------------------

class Forms(html.parser.HTMLParser):
    """The forms of a page: action, hidden and other inputs, textareas."""

    def __init__(self, text):
        super().__init__()
        self.forms = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": {}, "textareas": []})
        elif self.forms and tag == "input" and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""
        elif self.forms and tag == "textarea" and attrs.get("name"):
            self.forms[-1]["textareas"].append(attrs["name"])


class Client(threading.Thread):
    """One simulated user, working until the deadline. Timings and errors
    are kept per client and added up at the end."""

    def __init__(self, base, deadline, seed):
        super().__init__(daemon=True)
        self.base, self.deadline = base, deadline
        self.rng = random.Random(seed)
        self.times = collections.defaultdict(list)
        self.errors = collections.Counter()
        self.http = requests.Session()

    def request(self, page, method, path, expect, **kwargs):
        """One timed request; None (and an error counted) unless its status is `expect`."""
        started = time.perf_counter()
        try:
            response = self.http.request(method, self.base + path, allow_redirects=False, timeout=30, **kwargs)
        except requests.RequestException as exc:
            self.errors[f"{page}: {type(exc).__name__}"] += 1
            return None
        self.times[page].append(time.perf_counter() - started)
        if response.status_code != expect:
            self.errors[f"{page}: HTTP {response.status_code} (expected {expect}) {method} {_shape(path)}"] += 1
            return None
        return response

    def run(self):
        try:
            while time.monotonic() < self.deadline:
                self.step()
        except Exception as exc:  # a bug in the client, not the server: still reported
            self.errors[f"client crashed: {type(exc).__name__}: {exc}"] += 1


def _shape(path):
    """The path with case numbers and tokens replaced, so that errors group."""
    parts = ["<token>" if len(p) == 43 else "<number>" if p.startswith("HL-") else p for p in path.split("/")]
    return "/".join(parts)


class Officer(Client):
    RELOGIN_EVERY = 50

    def __init__(self, base, deadline, seed, username, cases):
        super().__init__(base, deadline, seed)
        self.username, self.cases, self.actions = username, cases, 0

    def login(self):
        self.http = requests.Session()
        page = self.request("login form", "GET", "/accounts/login/", 200)
        if page is None:
            return False
        form = next(f for f in Forms(page.text).forms if f["action"] == "/accounts/login/")
        fields = form["fields"]
        fields.update(username=self.username, password=PASSWORD, next="")
        done = self.request("login", "POST", "/accounts/login/", 302, data=fields)
        if done is not None and done.headers.get("Location") != "/":
            self.errors[f"login: redirected to {done.headers.get('Location')} instead of /"] += 1
            return False
        return done is not None

    def step(self):
        if self.actions % self.RELOGIN_EVERY == 0 and not self.login():
            time.sleep(1)  # counted already; do not hammer a failing login
            return
        self.actions += 1
        page = self.rng.choices([p for p, _ in OFFICER_PAGES], [w for _, w in OFFICER_PAGES])[0]
        if page != "case":
            self.request(page, "GET", {"home": "/", "overdue": "/overdue/", "notices": "/notices/"}[page], 200)
            return
        number = self.rng.choice(self.cases)
        detail = self.request("case", "GET", f"/cases/{number}/", 200)
        if detail is None or self.rng.random() < 0.4:
            return
        forms = [f for f in Forms(detail.text).forms if f["action"].endswith("/transition/")
                 and f["fields"].get("name") not in AVOIDED]
        if not forms:
            return  # nothing an officer may do on it now (e.g. waiting for approval)
        form = self.rng.choice(forms)
        data = dict(form["fields"])
        if "reason" in form["textareas"]:
            data["reason"] = "请补充材料后继续审批"
        if "documents" in form["textareas"]:
            data["documents"] = "收入证明\n银行流水（近6个月）"
        done = self.request("transition", "POST", form["action"], 302, data=data)
        if done is None:
            return
        after = self.request("case", "GET", done.headers["Location"], 200)
        if after is not None and 'class="message error"' in after.text:
            self.errors[f"transition {data['name']} refused on the case page"] += 1


class Borrower(Client):
    def __init__(self, base, deadline, seed, paths):
        super().__init__(base, deadline, seed)
        self.paths = paths

    def step(self):
        # A borrower taps the link in a message: a new browser session each time.
        self.http = requests.Session()
        entered = self.request("borrower link", "GET", self.rng.choice(self.paths), 302)
        if entered is None or entered.headers.get("Location") != "/loan/":
            if entered is not None:
                self.errors["borrower link: redirected elsewhere than /loan/"] += 1
            return
        self.request("borrower status", "GET", "/loan/", 200)
        if self.rng.random() < 0.3:
            self.request("borrower status", "GET", "/loan/", 200)  # a reload


class Integration(Client):
    def __init__(self, base, deadline, seed, token, numbers, officer, id_numbers):
        super().__init__(base, deadline, seed)
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.numbers, self.officer, self.id_numbers = numbers, officer, id_numbers
        self.sent = []  # (key, body, number) of cases this client opened

    def step(self):
        call = self.rng.choices([c for c, _ in API_CALLS], [w for _, w in API_CALLS])[0]
        if call == "replay" and not self.sent:
            call = "create"
        if call == "list":
            self.request("api list", "GET", "/api/v1/cases/?page_size=50", 200)
        elif call == "detail":
            self.request("api detail", "GET", f"/api/v1/cases/{self.rng.choice(self.numbers)}/", 200)
        elif call == "create":
            self.create()
        else:
            key, body, number = self.rng.choice(self.sent)
            again = self.request("api create (replayed)", "POST", "/api/v1/cases/", 201, json=body,
                                 headers={"Idempotency-Key": key})
            if again is not None and (again.headers.get("Idempotent-Replayed") != "true"
                                      or again.json().get("number") != number):
                self.errors["api create (replayed): not the first answer"] += 1

    def create(self):
        key = str(uuid.uuid4())
        body = {
            "external_ref": f"LM-{key[:18]}",
            "officer": self.officer,
            "borrower_name": "赵六",
            "borrower_id_number": self.id_numbers.pop(),
            "borrower_phone": f"138{self.rng.randint(10000000, 99999999)}",
            "borrower_email": f"lm{self.rng.randint(100000, 999999)}@example.com",
            "property_address": "北京市朝阳区建国路88号2栋1201室",
            "loan_amount": "1500000.00",
        }
        created = self.request("api create", "POST", "/api/v1/cases/", 201, json=body,
                               headers={"Idempotency-Key": key})
        if created is None:
            return
        number = created.json()["number"]
        self.sent.append((key, body, number))
        if self.rng.random() < 0.5:
            # Signed with the borrower: the first notices go out.
            self.request("api transition", "POST", f"/api/v1/cases/{number}/transitions/", 200,
                         json={"name": "sign", "expected_state": "submitted"},
                         headers={"Idempotency-Key": str(uuid.uuid4())})


class HealthCheck(Client):
    """The load balancer asking /healthz once a second (database, cache, broker)."""

    def step(self):
        self.request("healthz", "GET", "/healthz", 200)
        time.sleep(1)


class Static(Client):
    """The ceiling: a static file through whitenoise, no database."""

    def step(self):
        self.request("static file", "GET", self.path, 200)


def id_numbers(count, rng):
    from cases.identity import id_number_check_char

    numbers = set()
    while len(numbers) < count:
        first17 = f"110105{rng.randint(1960, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        numbers.add(first17 + id_number_check_char(first17))
    return list(numbers)


def make_clients(args, base, deadline, data):
    rng = random.Random(args.seed)
    roles = (["officer", "officer", "borrower", "api"] * args.concurrency)[:args.concurrency]
    codes = sorted(data["officers"])
    officer_slots = [i for i, role in enumerate(roles) if role == "officer"]
    # Officer client n works for branch n mod 3, as that branch's officer
    # n // 3 (cycling), on its own share of the branch's open cases.
    by_branch = collections.defaultdict(list)
    for n, slot in enumerate(officer_slots):
        by_branch[codes[n % len(codes)]].append(slot)
    clients = []
    api_clients = roles.count("api")
    ids = id_numbers(max(1, api_clients) * 20000, rng)
    for i, role in enumerate(roles):
        seed = rng.randrange(2**32)
        if role == "officer":
            code = next(c for c, slots in by_branch.items() if i in slots)
            k = by_branch[code].index(i)
            share = data["open_cases"][code][k::len(by_branch[code])]
            username = data["officers"][code][k % len(data["officers"][code])]
            clients.append(Officer(base, deadline, seed, username, share))
        elif role == "borrower":
            clients.append(Borrower(base, deadline, seed, data["borrower_paths"]))
        else:
            mine = ids[:20000]
            ids = ids[20000:]
            clients.append(Integration(base, deadline, seed, data["api_token"], data["api_numbers"],
                                       data["api_officer"], mine))
    return clients + [HealthCheck(base, deadline, rng.randrange(2**32))]


def run_clients(clients):
    started = time.monotonic()
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    elapsed = time.monotonic() - started
    times, errors = collections.defaultdict(list), collections.Counter()
    for client in clients:
        for page, values in client.times.items():
            times[page].extend(values)
        errors.update(client.errors)
    return times, errors, elapsed


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    # Nearest rank: the smallest value with at least p% of the values at or below it.
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


# --- the notices -------------------------------------------------------------------------------------

def notices_since(first_pk):
    from django.db import close_old_connections

    from notifications.models import Notification

    close_old_connections()
    return Notification.objects.filter(pk__gte=first_pk)


def drain(first_pk, timeout):
    """Seconds until no notice written by the run is queued or being sent."""
    from notifications.models import PENDING_STATUSES

    started = time.monotonic()
    while notices_since(first_pk).filter(status__in=PENDING_STATUSES).exists():
        if time.monotonic() - started > timeout:
            return None
        time.sleep(0.2)
    return time.monotonic() - started


def notice_figures(first_pk):
    from notifications.models import DELIVERED_STATUSES, Channel, NotificationStatus

    rows = collections.Counter(notices_since(first_pk).values_list("channel", "status"))
    # Written to be sent: email and SMS (queued), phone calls (a staff task).
    # Status-page notices are delivered as they are written; suppressed ones
    # (a contact known not to work) are never sent.
    sent_channels = (Channel.EMAIL, Channel.SMS, Channel.PHONE)
    queued = sum(n for (channel, status), n in rows.items()
                 if channel in sent_channels and status != NotificationStatus.SUPPRESSED)
    # The console backends report delivery at once (no receipts to wait
    # for); a phone notice is delivered when the officer reaches the
    # borrower, so "sent" (the call task made) is its end here.
    delivered = sum(n for (channel, status), n in rows.items()
                    if (channel in sent_channels and status in DELIVERED_STATUSES)
                    or (channel == Channel.PHONE and status == NotificationStatus.SENT))
    return queued, delivered, rows


# --- main --------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="length of the mixed load")
    parser.add_argument("--concurrency", type=int, default=8, help="clients at once (officers, borrowers, API)")
    parser.add_argument("--cases", type=int, default=1000, help="demo cases seeded first")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8197)
    parser.add_argument("--ceiling-seconds", type=float, default=5, help="length of the static-file run (0: none)")
    parser.add_argument("--drain-timeout", type=float, default=180)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.concurrency < 1 or args.seconds <= 0:
        parser.error("--concurrency and --seconds must be positive")

    # `kill` stops it as Ctrl-C does: the servers and the database go too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    db_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lf_loadmix")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    env = production_env(db_url, redis_url, args.port, args.web_workers)
    # This process reads and seeds the same database with the same settings.
    os.environ.update({k: v for k, v in env.items() if k not in ("BIND",)})
    os.environ["DJANGO_SETTINGS_MODULE"] = "loanflow.settings"
    base = f"http://127.0.0.1:{args.port}"

    log_dir = Path(tempfile.mkdtemp(prefix="load-mix-"))
    logs = {name: open(log_dir / f"{name}.log", "wb") for name in ("web", "worker")}
    processes = []
    failed, interrupted = True, False
    try:
        redis.Redis.from_url(redis_url).flushdb()
        recreate_database(db_url)
        started = time.monotonic()
        data = seed(args.cases, borrowers=200)
        print(f"load mix: PostgreSQL {dj_database_url.parse(db_url)['NAME']} with {args.cases} demo cases "
              f"(seeded in {time.monotonic() - started:.0f} s), Redis {redis_url} as broker and cache; "
              f"gunicorn {args.web_workers} workers + 1 qcluster ({env.get('Q_WORKERS', '2')} workers)")

        from notifications.models import Notification

        first_pk = (Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        processes = start_servers(env, logs)
        wait_for_web(base, processes)

        ceiling = None
        if args.ceiling_seconds > 0:
            from django.templatetags.static import static

            Static.path = static("favicon.svg")
            deadline = time.monotonic() + args.ceiling_seconds
            statics = [Static(base, deadline, i) for i in range(args.concurrency)]
            static_times, static_errors, elapsed = run_clients(statics)
            ceiling = sum(len(v) for v in static_times.values()) / elapsed

        clients = make_clients(args, base, time.monotonic() + args.seconds, data)
        kinds = collections.Counter(type(c).__name__.lower() for c in clients)
        print(f"{args.concurrency} clients for {args.seconds:.0f} s: {kinds['officer']} officers, "
              f"{kinds['borrower']} borrowers, {kinds['integration']} API; and the load balancer's /healthz "
              f"once a second")
        times, errors, elapsed = run_clients(clients)
        load = os.getloadavg()[0]
        total = sum(len(v) for v in times.values())
        rate = total / elapsed

        drained = drain(first_pk, args.drain_timeout)
        queued, delivered, by_channel = notice_figures(first_pk)
        dead = [p.pid for p in processes if p.poll() is not None]

        print(f"requests: {total} in {elapsed:.1f} s = {rate:.1f}/s "
              f"({os.cpu_count()} cores; load average {load:.1f} at the end, this run and whatever else runs)")
        if ceiling:
            print(f"same clients on a static file (whitenoise, no database): {ceiling:.1f}/s; ratio {rate / ceiling:.2f}")
        print(f"{'page':<24}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for page in sorted(times):
            values = sorted(times[page])
            print(f"{page:<24}{len(values):>7}" + "".join(f"{percentile(values, p) * 1000:>9.0f}" for p in (50, 95, 99)))
        print(f"errors: {sum(errors.values())}")
        for error, count in errors.most_common():
            print(f"  {count:>5} x {error}")
        shown = ", ".join(f"{channel} {status} {n}" for (channel, status), n in sorted(by_channel.items()))
        drain_text = f"drained {drained:.1f} s after the load" if drained is not None else \
            f"NOT drained after {args.drain_timeout:.0f} s"
        print(f"notices written by the run: {sum(by_channel.values())} ({shown})")
        print(f"notices queued to send: {queued}; delivered: {delivered} ({drain_text}; console email and SMS "
              f"count as delivered when sent, a phone call when its task is made)")
        if dead:
            print(f"server processes that died during the run: {dead}")
        failed = bool(errors) or queued != delivered or drained is None or bool(dead)
    except KeyboardInterrupt:
        print("load_mix: interrupted; stopping the servers and dropping the database")
        interrupted = True
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleaning short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_servers(processes)
        for log in logs.values():
            log.close()
        from django.db import connections

        connections.close_all()
        recreate_database(db_url, drop_only=True)
        redis.Redis.from_url(redis_url).flushdb()
        if failed and not interrupted:
            print(f"load_mix: FAILED; the servers' output is kept in {log_dir}")
        else:
            shutil.rmtree(log_dir, ignore_errors=True)
    sys.exit(130 if interrupted else 1 if failed else 0)


if __name__ == "__main__":
    main()
