"""Benchmark: the notification outbox and its dispatch. Run by hand:

    DEBUG=1 .venv/bin/python bench/bench_notifications.py [--cases 300] [--notices 500]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lf_bench DEBUG=1 .venv/bin/python bench/bench_notifications.py

It creates a throwaway test database (test_<name>, or a temporary SQLite
file), migrates it, and prints:

1. transitions per second through cases.services (audit row, deadline and
   outbox writes, dispatch hook suppressed), against the very same SQL
   statements, captured from those transitions, replayed raw, one
   transaction per transition (the floor); and their ratio;
2. notices sent per second end to end through a real django-q2 cluster
   (console email and SMS backends), against the same cluster running as
   many no-op tasks; and their ratio.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loanflow.settings")
    os.environ.setdefault("LOANFLOW_ALLOW_DEV_KEY", "1")
    import django

    django.setup()


def create_database():
    from django.db import connection

    if connection.vendor == "sqlite":
        path = os.path.join(tempfile.mkdtemp(prefix="loanflow-bench-"), "bench.sqlite3")
        connection.settings_dict.setdefault("TEST", {})["NAME"] = path
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return connection.settings_dict["NAME"]


def database_url(name):
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def make_people():
    from django.contrib.auth.models import Group

    from cases.models import Branch, Role, User

    branch = Branch.objects.create(code="BENCH", name="基准支行", hotline="010-0000-0000")
    officer = User.objects.create_user("bench-officer", password="x", branch=branch)
    officer.groups.add(Group.objects.get(name=Role.OFFICER))
    return branch, officer


def make_cases(branch, officer, count):
    from cases import services
    from cases.identity import id_number_check_char

    cases = []
    for i in range(count):
        first17 = f"11010519900101{i % 1000:03d}"
        cases.append(
            services.case_create(
                branch=branch, officer=officer, borrower_name="张三",
                borrower_id_number=first17 + id_number_check_char(first17),
                borrower_phone="13812345678", borrower_email="zhangsan@example.com",
                property_address="北京市朝阳区建国路1号", loan_amount=Decimal("1200000"),
            )
        )
    return cases


def bench_transitions(branch, officer, count):
    from django.db import connection, transaction

    from cases import services
    from notifications.services import dispatch_suppressed

    replay_cases = make_cases(branch, officer, count)
    real_cases = make_cases(branch, officer, count)

    # Capture the statements of each transition, then undo them all.
    captured = []

    def capture(execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            captured[-1].append((sql, params))
        return execute(sql, params, many, context)

    class Undo(Exception):
        pass

    record_ids = []
    try:
        with transaction.atomic(), dispatch_suppressed(), connection.execute_wrapper(capture):
            for case in replay_cases:
                captured.append([])
                record_ids.append(services.case_transition(name="sign", case=case, actor=officer).pk)
            raise Undo
    except Undo:
        pass
    statements = sum(len(c) for c in captured) / len(captured)

    # The floor: the same statements, raw, one transaction per transition.
    # Only the audit row's id differs (PostgreSQL sequences do not roll back),
    # so the notices' transition_id takes the new one, as the ORM does.
    started = time.perf_counter()
    for batch, old_id in zip(captured, record_ids):
        with transaction.atomic(), connection.cursor() as cursor:
            new_id = None
            for sql, params in batch:
                if new_id is not None and '"notifications_notification"' in sql and sql.startswith("INSERT"):
                    params = _with_transition_id(sql, params, old_id, new_id)
                cursor.execute(sql, params)
                if sql.startswith('INSERT INTO "cases_casetransition"'):
                    new_id = cursor.fetchone()[0]
    floor = count / (time.perf_counter() - started)

    officer = type(officer).objects.get(pk=officer.pk)  # cold permission cache, as in a request
    started = time.perf_counter()
    with dispatch_suppressed():
        for case in real_cases:
            services.case_transition(name="sign", case=case, actor=officer)
    real = count / (time.perf_counter() - started)
    return real, floor, statements


def _with_transition_id(sql, params, old_id, new_id):
    columns = sql[sql.index("(") + 1:sql.index(")")].split(", ")
    position = columns.index('"transition_id"')
    params = list(params)
    if len(params) == len(columns) and all(isinstance(p, list) for p in params):
        # PostgreSQL: one array per column (INSERT ... SELECT * FROM UNNEST).
        params[position] = [new_id if p == old_id else p for p in params[position]]
        return params
    for i in range(position, len(params), len(columns)):
        if params[i] == old_id:
            params[i] = new_id
    return params


def start_cluster(db_url, workers):
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "NOTIFICATIONS_SMS_BACKEND": "notifications.channels.sms.ConsoleSmsBackend",
        "Q_WORKERS": str(workers),
    }
    return subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "qcluster"], env=env, cwd=BASE_DIR,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def wait_until(predicate, timeout=600):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        time.sleep(0.02)


def bench_dispatch(branch, officer, count, db_url, workers):
    from django.db import close_old_connections
    from django_q.models import Task
    from django_q.tasks import async_task

    from cases import services
    from notifications.models import Notification, NotificationStatus
    from notifications.services import dispatch_suppressed, queue

    cases = make_cases(branch, officer, count // 2)
    with dispatch_suppressed():
        for case in cases:
            services.case_transition(name="sign", case=case, actor=officer)
    ids = list(Notification.objects.filter(case__in=cases, status=NotificationStatus.QUEUED).values_list("pk", flat=True))
    pending = Notification.objects.filter(pk__in=ids, status__in=[NotificationStatus.QUEUED, NotificationStatus.SENDING])

    cluster = start_cluster(db_url, workers)
    try:
        # Warm up: the cluster is up when a probe task has run.
        async_task("math.floor", 1.5, group="bench-probe")
        wait_until(lambda: Task.objects.filter(group="bench-probe").exists(), timeout=120)

        started = time.perf_counter()
        for _ in range(len(ids)):
            async_task("math.floor", 1.5, group="bench-noop")
        wait_until(lambda: (close_old_connections() or Task.objects.filter(group="bench-noop").count()) >= len(ids))
        noop = len(ids) / (time.perf_counter() - started)

        started = time.perf_counter()
        queue(ids)
        wait_until(lambda: not pending.exists())
        notices = len(ids) / (time.perf_counter() - started)
    finally:
        os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait()
    from collections import Counter

    outcome = Counter(Notification.objects.filter(pk__in=ids).values_list("status", flat=True))
    return notices, noop, dict(outcome), len(ids)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=300, help="transitions to time (each way)")
    parser.add_argument("--notices", type=int, default=500, help="notices to dispatch")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("Q_WORKERS", "2")))
    args = parser.parse_args()

    setup_django()
    from django.db import connection

    name = create_database()
    try:
        branch, officer = make_people()
        print(f"database: {connection.vendor} ({name}); broker: "
              f"{'redis' if os.environ.get('Q_BROKER_URL') else 'django ORM'}; workers: {args.workers}")
        real, floor, statements = bench_transitions(branch, officer, args.cases)
        print(f"transitions with outbox writes: {real:8.1f}/s")
        print(f"same {statements:.1f} SQL statements raw:  {floor:8.1f}/s   (floor)")
        print(f"ratio: {real / floor:.2f}")
        notices, noop, delivered, total = bench_dispatch(branch, officer, args.notices, database_url(name), args.workers)
        print(f"notices dispatched end to end:  {notices:8.1f}/s   (of {total}: {delivered})")
        print(f"django-q2 no-op tasks:          {noop:8.1f}/s")
        print(f"ratio: {notices / noop:.2f}")
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
