"""Benchmark of the staff dashboards on PostgreSQL with 10,000 and then 1,000,000 cases.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lf_bench_dash .venv/bin/python bench/bench_dashboards.py

Creates the database if needed, migrates, bulk-inserts cases, transitions and
notices with INSERT ... SELECT generate_series (seconds, not hours), then
prints the median server time (Django test client, whole middleware stack) of
the overdue list, the supervisor report and the case detail, the ratio of the
overdue page to the raw SQL of its main query, and the overdue page at 1M
against 10k. Run by hand; it is not part of the test suite.
"""

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loanflow.settings")
os.environ.setdefault("LOANFLOW_ALLOW_DEV_KEY", "1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
os.environ.setdefault("LOG_LEVEL", "WARNING")

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL.startswith("postgres"):
    sys.exit("Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/lf_bench_dash")

BRANCHES = 20
OFFICERS_PER_BRANCH = 10
RUNS = 15


def create_database():
    import psycopg

    url = urlparse(DATABASE_URL)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


create_database()

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases.models import Branch, LoanCase, Role, User  # noqa: E402
from dashboards import selectors  # noqa: E402
from dashboards.filters import OverdueFilter  # noqa: E402


def setup_people():
    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE notifications_deliveryevent, notifications_stafftask, notifications_notification, "
            "cases_casetransition, cases_caseaccesslog, borrowers_borrowerlink, cases_loancase CASCADE"
        )
    groups = {role: Group.objects.get(name=role) for role in Role.values}
    officers = []
    for b in range(BRANCHES):
        branch, _ = Branch.objects.get_or_create(code=f"B{b:02d}", defaults={"name": f"第{b + 1}支行"})
        for o in range(OFFICERS_PER_BRANCH):
            user, created = User.objects.get_or_create(username=f"officer-{b:02d}-{o}", defaults={"branch": branch})
            if created:
                user.groups.add(groups[Role.OFFICER])
            officers.append(user)
        sup, created = User.objects.get_or_create(username=f"supervisor-{b:02d}", defaults={"branch": branch})
        if created:
            sup.groups.add(groups[Role.SUPERVISOR])
    head, created = User.objects.get_or_create(username="head-office")
    if created:
        head.groups.add(groups[Role.HEAD_OFFICE])
    return officers


def fill(first, last, officers):
    """Cases first..last (1-based), spread over ~1,000 days ending now. Old
    cases are mostly closed; open ones have deadlines around today."""
    officer_ids = "ARRAY[" + ",".join(str(o.pk) for o in officers) + "]::bigint[]"
    branch_ids = "ARRAY[" + ",".join(str(o.branch_id) for o in officers) + "]::bigint[]"
    n = len(officers)
    total = 1_000_000
    with connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO cases_loancase (uuid, number, branch_id, officer_id, borrower_name, borrower_id_number,
                borrower_phone, borrower_email, property_address, loan_amount, status, entered_state_at, due_at,
                held_from, hold_reason, documents_outstanding, needs_attention, email_unreachable,
                phone_unreachable, created_at, updated_at)
            SELECT gen_random_uuid(), 'HL-B-' || lpad(i::text, 7, '0'),
                ({branch_ids})[1 + i %% {n}], ({officer_ids})[1 + i %% {n}],
                '张三', '110105199001010010', '+8613812345678', 'b' || i || '@example.com', '北京市朝阳区建国路1号',
                1000000, s.status, s.created + interval '2 days',
                CASE WHEN s.status IN ('disbursed', 'rejected', 'withdrawn') THEN NULL
                     ELSE now() + (random() * 20 - 5) * interval '1 day' END,
                '', '', '[]', false, false, false, s.created, s.created
            FROM generate_series(%s, %s) AS i,
            LATERAL (SELECT now() - (((i::bigint * 7919) %% {total})::float / {total} * 1000) * interval '1 day' AS created) AS c,
            LATERAL (SELECT c.created,
                CASE WHEN c.created < now() - interval '60 days' AND (i %% 10) <> 0
                     THEN (ARRAY['disbursed','disbursed','disbursed','rejected','withdrawn'])[1 + i %% 5]
                     ELSE (ARRAY['submitted','signed','under_review','documents_requested','approved','registration'])[1 + i %% 6]
                END AS status) AS s
            """,
            [first, last],
        )
        # One audit row per case (its signing), a second for recent cases.
        cur.execute(
            """
            INSERT INTO cases_casetransition (case_id, transition, source, target, actor_id, reason, payload,
                created_at, due_at, left_due_at)
            SELECT id, 'sign', 'submitted', 'signed', officer_id, '', '{}'::jsonb, created_at + interval '1 day',
                created_at + interval '2 days', created_at + interval '7 days'
            FROM cases_loancase WHERE number > %s AND number <= %s
            UNION ALL
            SELECT id, 'start_review', 'signed', 'under_review', officer_id, '', '{}',
                created_at + (1 + random() * 2) * interval '1 day', created_at + interval '9 days',
                created_at + interval '2 days'
            FROM cases_loancase WHERE number > %s AND number <= %s AND created_at > now() - interval '90 days'
            """,
            [f"HL-B-{first - 1:07d}", f"HL-B-{last:07d}"] * 2,
        )
        # Two notices per audit row: email and SMS, mostly delivered, some failed, recent ones pending.
        cur.execute(
            """
            INSERT INTO notifications_notification (uuid, case_id, transition_id, key, channel, language,
                recipient, status, subject, body, body_html, attempts, created_at, delivered_at, failed_at,
                last_error, next_attempt_at)
            SELECT gen_random_uuid(), t.case_id, t.id, t.transition, ch, 'zh-hans', '', st, '', '', '', 1,
                t.created_at, CASE WHEN st = 'delivered' THEN t.created_at + (random() * 30) * interval '1 hour' END,
                CASE WHEN st = 'failed' THEN t.created_at + interval '5 minutes' END,
                CASE WHEN st = 'failed' THEN 'bounced' ELSE '' END, t.created_at
            FROM cases_casetransition t
            JOIN cases_loancase c ON c.id = t.case_id AND c.number > %s AND c.number <= %s,
            LATERAL (VALUES ('email'), ('sms')) AS channels(ch),
            LATERAL (SELECT CASE WHEN t.id %% 31 = 0 THEN 'failed'
                                 WHEN t.created_at > now() - interval '1 hour' THEN 'queued'
                                 ELSE 'delivered' END AS st) AS s
            """,
            [f"HL-B-{first - 1:07d}", f"HL-B-{last:07d}"],
        )
        # What autovacuum does on a live database: statistics and the
        # visibility map (index-only scans need it).
        cur.execute("VACUUM ANALYZE")


def median_ms(fn, runs=RUNS):
    fn()
    fn()  # warm caches and connections
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def page_time(client, url, cold=False):
    def get():
        if cold:
            cache.clear()  # the report's figures are cached for a few minutes
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return median_ms(get)


def overdue_sql_time(user):
    now = timezone.now()
    filterset = OverdueFilter(None, queryset=selectors.overdue_cases(user, now), user=user, now=now)
    sql, params = filterset.qs.order_by("due_at", "id")[:26].query.sql_with_params()

    def run():
        with connection.cursor() as cur:
            cur.execute(sql, params)
            cur.fetchall()

    return median_ms(run)


def measure(label):
    head = User.objects.get(username="head-office")
    officer = User.objects.get(username="officer-03-1")
    supervisor = User.objects.get(username="supervisor-03")
    clients = {}
    for user in (head, officer, supervisor):
        clients[user.username] = Client()
        clients[user.username].force_login(user)
    case = LoanCase.objects.filter(officer=officer).exclude(due_at=None).order_by("-id").first()
    figures = {
        "overdue (head office, all branches)": page_time(clients["head-office"], "/overdue/"),
        "overdue (branch officer)": page_time(clients["officer-03-1"], "/overdue/"),
        "overdue SQL (head office)": overdue_sql_time(head),
        "supervisor report (branch), cached": page_time(clients["supervisor-03"], "/supervisor/report/"),
        "supervisor report (head office), cached": page_time(clients["head-office"], "/supervisor/report/"),
        "supervisor report (branch), cold": page_time(clients["supervisor-03"], "/supervisor/report/", cold=True),
        "supervisor report (head office), cold": page_time(
            clients["head-office"], "/supervisor/report/", cold=True
        ),
        "case detail": page_time(clients["officer-03-1"], case.get_absolute_url()),
        "notification monitor (head office)": page_time(clients["head-office"], "/notices/"),
    }
    print(f"\n{label}: {LoanCase.objects.count():,} cases")
    for name, ms in figures.items():
        print(f"  {name:<40} {ms:8.1f} ms median of {RUNS}")
    ratio = figures["overdue (head office, all branches)"] / figures["overdue SQL (head office)"]
    print(f"  overdue page / its raw SQL: {ratio:.1f}x")
    return figures


def main():
    officers = setup_people()
    start = time.perf_counter()
    fill(1, 10_000, officers)
    print(f"filled 10,000 cases in {time.perf_counter() - start:.1f} s")
    small = measure("10k")
    start = time.perf_counter()
    step = 100_000
    for first in range(10_001, 1_000_001, step):
        fill(first, min(first + step - 1, 1_000_000), officers)
    print(f"filled to 1,000,000 cases in {time.perf_counter() - start:.1f} s")
    large = measure("1M")
    print("\n1M / 10k:")
    for name in large:
        print(f"  {name:<40} {large[name] / small[name]:5.2f}x")
    worst = max(v for k, v in large.items() if "SQL" not in k)
    print(f"\nslowest page at 1M: {worst:.1f} ms (aim < 150 ms)")


if __name__ == "__main__":
    main()
