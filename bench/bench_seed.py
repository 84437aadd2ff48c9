"""Benchmark: demo data at scale (seed_demo) and the INSERT path under it. Run by hand:

    DEBUG=1 .venv/bin/python bench/bench_seed.py [--cases 20000] [--jobs 1,2]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lf_bench DEBUG=1 .venv/bin/python bench/bench_seed.py

For each --jobs value it creates a throwaway test database (test_<name>, or a
temporary SQLite file), migrates it, runs seed_demo and prints cases per
second, the rows written, and the speed against one job. Then it writes the
same notices with loanflow.bulk_insert.insert_many and with Django's
bulk_create (rolled back) and prints both rates and their ratio.
"""

import argparse
import copy
import io
import time

from bench_notifications import create_database, setup_django


def seed(cases, jobs):
    from django.core.management import call_command

    from cases.models import CaseTransition, LoanCase
    from notifications.models import DeliveryEvent, Notification

    create_database()
    started = time.monotonic()
    call_command("seed_demo", cases=cases, jobs=jobs, password="bench-pass-2026", stdout=io.StringIO())
    seconds = time.monotonic() - started
    rows = {
        "cases": LoanCase.objects.count(),
        "transitions": CaseTransition.objects.count(),
        "notices": Notification.objects.count(),
        "events": DeliveryEvent.objects.count(),
    }
    return seconds, rows


def insert_paths(count):
    """Rows per second writing `count` copies of seeded notices, both ways."""
    from django.db import transaction

    from loanflow.bulk_insert import insert_many
    from notifications.models import Notification

    sample = list(Notification.objects.order_by("pk")[:count])

    def fresh():
        copies = []
        for notice in sample:
            twin = copy.copy(notice)
            twin.pk, twin._state = None, copy.copy(notice._state)
            twin._state.adding = True
            twin.uuid = Notification._meta.get_field("uuid").get_default()
            copies.append(twin)
        return copies

    rates = {}
    for name, write in (("insert_many", insert_many), ("bulk_create", Notification.objects.bulk_create)):
        rows = fresh()
        with transaction.atomic():
            started = time.monotonic()
            write(rows)
            rates[name] = len(rows) / (time.monotonic() - started)
            transaction.set_rollback(True)
    return rates


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--jobs", default="1,2", help="comma-separated job counts to compare")
    parser.add_argument("--notices", type=int, default=20000, help="notices written by each INSERT path")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    print(f"seed_demo --cases {args.cases} on {connection.vendor}")
    first = None
    original_name = connection.settings_dict["NAME"]
    for index, jobs in enumerate(int(j) for j in args.jobs.split(",")):
        if index:
            connection.creation.destroy_test_db(original_name, verbosity=0)
        seconds, rows = seed(args.cases, jobs)
        first = first or seconds
        figures = ", ".join(f"{value} {name}" for name, value in rows.items())
        print(
            f"  --jobs {jobs}: {seconds:6.1f} s, {rows['cases'] / seconds:6.0f} cases/s "
            f"({figures}); {first / seconds:.2f}x one job"
        )
    rates = insert_paths(args.notices)
    print(
        f"writing {args.notices} notices: insert_many {rates['insert_many']:.0f} rows/s, "
        f"bulk_create {rates['bulk_create']:.0f} rows/s; ratio {rates['insert_many'] / rates['bulk_create']:.2f}"
    )
    connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
