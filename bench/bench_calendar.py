"""Benchmark: announcing a year of the business calendar. Run by hand:

    DEBUG=1 .venv/bin/python bench/bench_calendar.py [--cases 20000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lf_bench DEBUG=1 .venv/bin/python bench/bench_calendar.py

Creates a throwaway database, imports --cases cases whose deadlines reach into
an estimated 2027 (documents requested between 14 and 31 December 2026, the
heaviest case: every one of them provisional), then times the page's
preview (reads only; head office waits for it) and the recomputation the
save queues (a django-q2 task: every deadline that counts a changed day, an
audit row per moved case, the notices of those moved later). Prints cases per second, and the recomputation
against firing one ordinary transition per case (the same cases, the same
kind of writes) as a ratio.
"""

import argparse
import datetime
import time
from decimal import Decimal

from bench_notifications import create_database, make_people, setup_django

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
# Fictional 2027: Spring Festival one day longer than the lunar estimate and a
# make-up Saturday, so deadlines move both ways.
SCHEDULE = """
2027-01-01~2027-01-03, 休, 元旦
2027-01-04, 休, 元旦（测试：多放一天）
2月5日至11日, 休, 春节
2027-02-20, 班, 春节调休上班
"""


def histories(officer, supervisor, count):
    from cases.identity import id_number_check_char

    for i in range(count):
        day = datetime.datetime(2026, 12, 14, 9, tzinfo=BEIJING) + datetime.timedelta(days=i % 18, minutes=i % 300)
        first17 = f"11010519900101{i % 1000:03d}"
        fields = {
            "at": day - datetime.timedelta(days=2), "branch": officer.branch, "officer": officer,
            "borrower_name": "张三", "borrower_id_number": first17 + id_number_check_char(first17),
            "borrower_phone": "13812345678", "borrower_email": "zhangsan@example.com",
            "property_address": "北京市朝阳区建国路1号", "loan_amount": Decimal("1200000"),
        }
        steps = [
            ("sign", officer, "", None, day - datetime.timedelta(days=1)),
            ("start_review", officer, "", None, day - datetime.timedelta(hours=3)),
            ("request_documents", officer, "需补充收入证明", {"documents": ["收入证明"]}, day),
        ]
        yield fields, steps


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--transitions", type=int, default=1000, help="cases given one ordinary transition, for the ratio")
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import override_settings

    from cases import calendar, selectors, services
    from cases.models import DeadlineChange, LoanCase, Role, User
    from notifications.models import Notification
    from notifications.services import dispatch_suppressed

    original_name = connection.settings_dict["NAME"]
    create_database()
    branch, officer = make_people()
    supervisor = User.objects.create_user("bench-supervisor", password="x", branch=branch)
    supervisor.groups.add(Group.objects.get(name=Role.SUPERVISOR))
    head = User.objects.create_superuser("bench-head", password="x")

    with override_settings(DEBUG=False), dispatch_suppressed():
        services.cases_import_with_history(histories(officer, supervisor, args.cases))
        provisional = LoanCase.objects.filter(deadline_provisional=True).count()
        print(f"{connection.vendor}: {args.cases} cases imported, {provisional} with an estimated deadline")

        days, errors = calendar.parse_rows(calendar.split_table(SCHEDULE), 2027)
        assert not errors, errors
        entered = calendar.Year(
            year=2027, announced=True, stored=True,
            holidays={d.day: d.name for d in days if d.kind == calendar.HOLIDAY},
            workdays={d.day: d.name for d in days if d.kind == calendar.WORKDAY},
        )
        started = time.monotonic()
        window = calendar.change_window(calendar.load().year(2027), days, announced=True)
        preview = selectors.deadlines_preview(calendar.load().with_year(entered), window)
        preview_seconds = time.monotonic() - started
        print(f"  preview: {preview_seconds:6.2f} s, {preview['checked'] / preview_seconds:8.0f} cases/s {preview}")

        notices_before = Notification.objects.count()
        started = time.monotonic()
        services.calendar_year_save(year=2027, status="announced", days=days, source="bench", actor=head, queue=False)
        result = services.calendar_recompute_pending()  # what the queued task runs
        save_seconds = time.monotonic() - started
        per_second = result.checked / save_seconds
        print(
            f"  save + recompute (the queued task): {save_seconds:6.2f} s, {per_second:8.0f} cases/s; later {result.later}, "
            f"earlier {result.earlier}, same day {result.same_day}; {DeadlineChange.objects.count()} audit rows, "
            f"{Notification.objects.count() - notices_before} notices"
        )
        started = time.monotonic()
        again = services.calendar_recompute_pending()
        print(f"  hourly run with nothing to do: {time.monotonic() - started:6.2f} s ({again.checked} checked)")

        cases = list(LoanCase.objects.filter(status="documents_requested").order_by("id")[: args.transitions])
        started = time.monotonic()
        for case in cases:
            services.case_transition(case=case, name="receive_documents", actor=officer)
        transition_rate = len(cases) / (time.monotonic() - started)
        print(f"  one transition per case: {transition_rate:8.0f} cases/s")
        print(f"  recompute against a transition per case: {per_second / transition_rate:.2f}x")
    connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
