"""Retention (PIPL): cases closed longer ago than RETENTION_CLOSED_CASE_DAYS
lose the borrower's personal data everywhere it was kept; the record (number,
amount, states, dates, audit rows) stays."""

import datetime
import io
import json
import uuid
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from api import services as api_services
from api.models import WebhookDelivery
from borrowers import services as borrower_services
from cases import services, tasks
from cases.identity import mask_email, mask_id_number, mask_phone
from cases.models import ANONYMISED, CaseAccessLog, CaseAnonymisation, CaseImport, LoanCase
from notifications import links, staff, status
from notifications import services as notification_services
from notifications.models import Notification, NotificationStatus, StaffTask
from tests.base import make_case, make_id_number

DAYS = 365
NAME = "司马相如"
ID_NUMBER = make_id_number(777)
PHONE = "13912345670"
NEW_PHONE = "13912345671"
EMAIL = "sima.xiangru@example.com"
NEW_EMAIL = "xiangru.new@example.com"
ADDRESS = "成都市锦江区琴台路8号"
QUESTION = "请回电，我想问放款时间"
CALLBACK = "周三下午三点后"
# Every form in which the borrower's data could have been kept.
PERSONAL = [
    NAME, ID_NUMBER, mask_id_number(ID_NUMBER), PHONE, NEW_PHONE, "+86" + PHONE, "+86" + NEW_PHONE,
    mask_phone("+86" + PHONE), mask_phone("+86" + NEW_PHONE), EMAIL, NEW_EMAIL, mask_email(EMAIL),
    mask_email(NEW_EMAIL), ADDRESS, QUESTION, CALLBACK, "139 1234 5670",
]
APPS = ("cases", "notifications", "borrowers", "api")


@pytest.fixture(autouse=True)
def retention(settings):
    settings.RETENTION_CLOSED_CASE_DAYS = DAYS
    settings.SITE_URL = "https://loans.bank.example"


@pytest.fixture
def los(branch_a):
    """The origination system follows branch A's cases: events out keep reasons."""
    client, _token = api_services.client_create(name="LOS", branch=branch_a, webhook_url="https://los.bank.example/h")
    return client


def full_story(branch, officer, supervisor, at):
    """A case that ends rejected at `at` + 8 hours, having left the
    borrower's data everywhere: reasons, a corrected contact, a question,
    a provider's bounce, call notes, a notice read out by phone."""
    case = make_case(branch, officer, at=at, borrower_name=NAME, borrower_id_number=ID_NUMBER,
                     borrower_phone=PHONE, borrower_email=EMAIL, property_address=ADDRESS)
    step = iter(range(1, 100))

    def then():
        return at + datetime.timedelta(hours=next(step) / 2)

    services.case_transition(case=case, name="sign", actor=officer, at=then())
    services.case_transition(case=case, name="start_review", actor=officer, at=then())
    services.case_transition(
        case=case, name="request_documents", actor=officer, at=then(),
        reason=f"请{NAME}补交收入证明，电话 139 1234 5670", payload={"documents": [f"{NAME}的收入证明"]},
    )
    notice = Notification.objects.filter(case=case, channel="email").latest("id")
    status.change(notice.pk, to=NotificationStatus.BOUNCED, event="bounced", at=then(),
                  detail=f"550 <{EMAIL}>: no such user", payload={"recipient": EMAIL, "subject": notice.subject},
                  last_error=f"<{EMAIL}>: no such user")
    services.case_correct_contact(case=case, actor=officer, field="phone", value=NEW_PHONE, at=then(),
                                  note=f"called {PHONE}; {NAME} gave {NEW_PHONE}")
    services.case_correct_contact(case=case, actor=officer, field="email", value=NEW_EMAIL, at=then(),
                                  note=f"{NAME} wrote from {NEW_EMAIL}")
    borrower_services.question_ask(case=case, text=f"我是{NAME}，{QUESTION}", callback_time=CALLBACK,
                                   submission=uuid.uuid4(), at=then())
    sms = Notification.objects.filter(case=case, channel="sms").latest("id")
    staff.task_create(case=case, kind=StaffTask.Kind.PHONE_NOTICE, detail=sms.body, notification=sms, at=then())
    call = staff.task_create(case=case, kind=StaffTask.Kind.CALL_BORROWER, detail=f"Call {NAME}", at=then())
    staff.task_close(call, outcome=f"Reached {NAME} on {NEW_PHONE}", at=then(), actor=officer, reached=True)
    services.case_transition(case=case, name="receive_documents", actor=officer, at=then())
    services.case_transition(case=case, name="reject", actor=supervisor, at=at + datetime.timedelta(hours=8),
                             reason=f"{NAME}月收入不足以覆盖月供")
    services.case_unmask(case=case, actor=supervisor)
    services.case_search_log(actor=supervisor, cases=[case], kind="name")
    case.refresh_from_db()
    return case


def rejected(branch, officer, supervisor, at, **fields):
    case = make_case(branch, officer, at=at, **fields)
    services.case_transition(case=case, name="sign", actor=officer, at=at + datetime.timedelta(hours=1))
    services.case_transition(case=case, name="start_review", actor=officer, at=at + datetime.timedelta(hours=2))
    services.case_transition(case=case, name="reject", actor=supervisor, at=at + datetime.timedelta(hours=3),
                             reason="收入不足")
    case.refresh_from_db()
    return case


def old_import_report(head_office, at):
    """A file refused two years ago: its report quotes a borrower's name."""
    report = services.import_check(actor=head_office, file_name="march.xlsx", rows=[{
        "row": 2, "external_ref": "LOS-1", "branch": "A", "officer": "officer", "borrower_name": NAME * 30,
        "borrower_id_number": ID_NUMBER, "borrower_phone": PHONE, "borrower_email": EMAIL,
        "property_address": ADDRESS, "loan_amount": "1000000",
    }])
    assert report.status == CaseImport.Status.REFUSED
    CaseImport.objects.filter(pk=report.pk).update(created_at=at)  # arranged: the report is old
    return report


@pytest.fixture
def world(branch_a, officer, supervisor, head_office, los):
    """An old closed case with the borrower's data everywhere, and three
    cases that must not change: one closed recently, one open for as long,
    one closed long ago in another branch (done too)."""
    now = timezone.now()
    long_ago = now - datetime.timedelta(days=DAYS + 40)
    old = full_story(branch_a, officer, supervisor, long_ago)
    link, token = links.link_issue(old)
    recent = rejected(branch_a, officer, supervisor, now - datetime.timedelta(days=10), borrower_name="李四",
                      borrower_phone="13700000001", borrower_email="lisi@example.com")
    still_open = make_case(branch_a, officer, at=long_ago, borrower_name="王五", borrower_phone="13700000002",
                           borrower_email="wangwu@example.com")
    report = old_import_report(head_office, long_ago)
    return {"old": old, "token": token, "recent": recent, "open": still_open, "report": report}


def snapshot(exclude=()):
    """Every row of the project's models, as text."""
    rows = {}
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            if model._meta.label in exclude:
                continue
            values = model.objects.order_by("pk").values()
            rows[model._meta.label] = [json.dumps(row, default=str, ensure_ascii=False, sort_keys=True) for row in values]
    return rows


def personal_data_left(rows):
    found = []
    for label, texts in rows.items():
        for text in texts:
            found += [f"{label}: {value!r} in {text}" for value in PERSONAL if value.lower() in text.lower()]
    return found


def case_rows(case, rows):
    """The rows of `rows` that belong to `case`."""
    ids = {
        "cases.LoanCase": {case.pk},
        "notifications.Notification": set(Notification.objects.filter(case=case).values_list("pk", flat=True)),
    }
    mine = []
    for label, texts in rows.items():
        for text in texts:
            row = json.loads(text)
            if row.get("case_id") == case.pk or row.get("id") in ids.get(label, ()) or (
                row.get("notification_id") in ids["notifications.Notification"]
            ):
                mine.append(text)
    return mine


def run(*args):
    out = io.StringIO()
    call_command("anonymise_closed_cases", *args, stdout=out)
    return out.getvalue()


def test_it_finds_the_personal_data_it_must_remove(world):
    # The scan below is only as good as this: before the run, the data is
    # in the case, the audit rows, notices, events, tasks, events out and
    # the import report.
    left = "\n".join(personal_data_left(snapshot()))
    for where in ("cases.LoanCase", "cases.CaseTransition", "cases.ContactCorrection", "cases.CaseImport",
                  "notifications.Notification", "notifications.DeliveryEvent", "notifications.StaffTask",
                  "api.WebhookDelivery"):
        assert f"{where}: " in left, where


def test_a_dry_run_writes_nothing_and_says_what_it_would_do(world):
    before = snapshot()
    out = run("--dry-run")
    assert snapshot() == before
    old, recent, still_open = world["old"], world["recent"], world["open"]
    assert f"would anonymise {old.number}" in out
    assert recent.number not in out and still_open.number not in out
    assert "Dry run, nothing written" in out
    assert "  cases: 1\n" in out
    assert f"  notices (recipient, subject, text): {old.notifications.count()}\n" in out
    assert "  status-page links revoked: 1\n" in out
    assert "  import reports: 1\n" in out
    # Says what the real run then does, to the row.
    real = run()
    assert real.split("are due.")[1].replace("Changed:", "") == out.split("are due.")[1].replace(
        "Dry run, nothing written. Would change:", ""
    )


def test_it_removes_the_personal_data_from_every_table_and_keeps_the_record(world, supervisor):
    old, recent, still_open = world["old"], world["recent"], world["open"]
    before = snapshot()
    transitions = list(old.transitions.values_list("transition", "source", "target", "actor", "created_at", "due_at"))
    notices = list(old.notifications.values_list("pk", "key", "channel", "status", "created_at", "sent_at"))
    tasks_before = list(StaffTask.objects.filter(case=old).values_list("pk", "kind", "status", "completed_at"))

    out = run()

    assert f"anonymised {old.number}" in out
    assert personal_data_left(snapshot()) == []
    after = snapshot()
    # The cases that are not due, and everything of theirs, did not change.
    for case in (recent, still_open):
        assert case_rows(case, after) == case_rows(case, before)
    # The record stays: number, amount, states, dates, audit rows.
    case = LoanCase.objects.get(pk=old.pk)
    assert (case.number, case.loan_amount, case.status, case.entered_state_at, case.created_at) == (
        old.number, Decimal("1200000.00"), "rejected", old.entered_state_at, old.created_at
    )
    assert (case.borrower_name, case.borrower_id_number, case.property_address) == (ANONYMISED,) * 3
    assert (case.borrower_phone, case.borrower_email) == ("", "")
    assert case.anonymised_at is not None
    assert list(case.transitions.values_list("transition", "source", "target", "actor", "created_at", "due_at")) == (
        transitions
    )
    assert case.transitions.get(transition="reject").reason == f"{ANONYMISED}月收入不足以覆盖月供"
    assert case.transitions.get(transition="request_documents").payload == {"documents": [f"{ANONYMISED}的收入证明"]}
    assert list(case.notifications.values_list("pk", "key", "channel", "status", "created_at", "sent_at")) == notices
    assert set(case.notifications.values_list("body", flat=True)) == {ANONYMISED}
    assert set(case.notifications.values_list("recipient", flat=True)) == {""}
    assert list(StaffTask.objects.filter(case=old).values_list("pk", "kind", "status", "completed_at")) == tasks_before
    assert StaffTask.objects.get(case=old, kind=StaffTask.Kind.CALL_BORROWER).outcome == (
        f"Reached {ANONYMISED} on {ANONYMISED}"
    )
    assert CaseAccessLog.objects.filter(case=old).count() == 2  # who looked stays on record
    # Events out keep the case number and what happened, not who it was.
    event = WebhookDelivery.objects.get(event="case.transition", payload__case=old.number, payload__to="rejected")
    assert (event.payload["reason"], event.payload["by"]) == (f"{ANONYMISED}月收入不足以覆盖月供", "supervisor")
    # The audit row says what was done, and nothing personal.
    audit = CaseAnonymisation.objects.get(case=old)
    assert audit.closed_at == old.entered_state_at and audit.retention_days == DAYS and audit.via == "command"
    assert audit.counts["cases"] == 1 and audit.counts["notices"] == len(notices)
    # The report keeps the columns that are not the borrower's.
    problem = CaseImport.objects.get(pk=world["report"].pk).problems[0]
    assert (problem["column"], problem["value"]) == ("borrower_name", ANONYMISED)


def test_a_second_run_touches_nothing(world, django_assert_max_num_queries):
    run()
    once = snapshot()
    with django_assert_max_num_queries(4):
        out = run()
    assert snapshot() == once
    assert "  cases: 0\n" in out and "  import reports: 0\n" in out
    assert CaseAnonymisation.objects.count() == 1


def test_the_borrower_link_stops_working_and_nothing_can_be_sent(world, client, supervisor):
    old = world["old"]
    enter = reverse("borrowers:enter", args=[world["token"]])
    assert client.get(enter).status_code == 302
    assert client.get(reverse("borrowers:status")).status_code == 200
    run()
    assert client.get(reverse("borrowers:status")).status_code == 403  # the open session ended too
    assert client.get(enter).status_code == 404
    # "Find my application" finds nothing: no mobile is on file.
    assert borrower_services.link_request(
        case_number=old.number, digest=borrower_services.phone_digest("+86" + NEW_PHONE)
    ) is False
    # Staff cannot send a new link either: no contact is left.
    with pytest.raises(services.TransitionRefused):
        services.case_resend_status_link(case=LoanCase.objects.get(pk=old.pk), actor=supervisor)


def test_the_staff_page_shows_the_case_as_anonymised(world, client, supervisor):
    old = world["old"]
    run()
    client.force_login(supervisor)
    page = client.get(reverse("cases:detail", args=[old.number]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert old.number in page and ANONYMISED in page
    assert "personal data was removed on" in page
    assert not [value for value in PERSONAL if value in page]
    unmasked = client.post(reverse("cases:unmask", args=[old.number])).content.decode()
    assert ANONYMISED in unmasked
    assert not [value for value in PERSONAL if value in unmasked]
    logged = CaseAccessLog.objects.filter(case=old).latest("id")
    assert logged.user == supervisor and not [value for value in PERSONAL if value in logged.what]


def test_open_and_recently_closed_cases_are_never_touched(branch_a, officer, supervisor):
    now = timezone.now()
    long_ago = now - datetime.timedelta(days=DAYS * 3)
    # Open for years (on hold, waiting), and closed one day short of the period.
    held = make_case(branch_a, officer, at=long_ago)
    services.case_transition(case=held, name="hold", actor=supervisor, reason="政策调整",
                             at=long_ago + datetime.timedelta(hours=1))
    almost = make_case(branch_a, officer, at=long_ago)
    services.case_transition(case=almost, name="withdraw", actor=officer, reason="借款人撤回",
                             at=now - datetime.timedelta(days=DAYS - 1))
    before = snapshot()
    out = run()
    assert "  cases: 0\n" in out
    assert snapshot() == before


def test_retention_zero_switches_it_off(world, settings):
    settings.RETENTION_CLOSED_CASE_DAYS = 0
    before = snapshot()
    assert "Retention is off" in run()
    assert tasks.anonymise_closed_cases().startswith("retention off")
    assert snapshot() == before


def test_the_daily_task_does_it(world):
    old = world["old"]
    assert tasks.anonymise_closed_cases() == f"anonymised 1 cases ({old.number} to {old.number}), 1 import reports"
    assert CaseAnonymisation.objects.get(case=old).via == "schedule"
    assert personal_data_left(snapshot()) == []


def test_it_walks_many_cases_in_batches(branch_a, officer, supervisor):
    long_ago = timezone.now() - datetime.timedelta(days=DAYS + 1)
    cases = [rejected(branch_a, officer, supervisor, long_ago - datetime.timedelta(days=n)) for n in range(5)]
    seen = []
    result = services.closed_cases_anonymise(batch_size=2, each=lambda number, counts: seen.append(number))
    assert sorted(seen) == sorted(case.number for case in cases)
    assert result.cases == 5
    assert LoanCase.objects.filter(anonymised_at__isnull=True).count() == 0


def _queries_to_anonymise(case):
    now = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        services.retention.case_anonymise(pk=case.pk, cutoff=now, now=now, days=DAYS)
    return len(queries)


def test_the_queries_per_case_do_not_grow_with_its_rows(branch_a, officer, supervisor, django_assert_max_num_queries):
    long_ago = timezone.now() - datetime.timedelta(days=DAYS + 1)
    small = rejected(branch_a, officer, supervisor, long_ago, borrower_name="欧阳修")
    big = rejected(branch_a, officer, supervisor, long_ago, borrower_name="欧阳修")
    # The same kinds of rows, once and many times over.
    for case, times in ((small, 1), (big, 15)):
        for n in range(times):
            at = long_ago + datetime.timedelta(hours=4, minutes=n)
            notification_services.notices_for_event(case=case, key="status_link", at=at)
            staff.task_create(case=case, kind=StaffTask.Kind.CALL_BORROWER, detail="Call 欧阳修", at=at)
        for notice in case.notifications.all():
            status.note(notice.pk, event="delivered", at=long_ago, detail="欧阳修", payload={"to": "13812345678"})
    assert big.notifications.count() > 3 * small.notifications.count()
    assert _queries_to_anonymise(big) == _queries_to_anonymise(small)
    # A batch of cases: a bounded number of queries per case, one to find them.
    per_case = _queries_to_anonymise(rejected(branch_a, officer, supervisor, long_ago))
    for _n in range(4):
        rejected(branch_a, officer, supervisor, long_ago)
    with django_assert_max_num_queries(4 * per_case + 2 + 2):  # 2 batches of 2 (and an empty one), import reports
        assert services.closed_cases_anonymise(batch_size=2).cases == 4


def test_the_schedule_runs_it_daily(db):
    call_command("setup_schedules", stdout=io.StringIO())
    schedule = Schedule.objects.get(func="cases.tasks.anonymise_closed_cases")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 24 * 60, -1)


def test_an_anonymised_case_takes_no_new_contact(branch_a, officer, supervisor):
    at = timezone.now() - datetime.timedelta(days=DAYS + 10)
    case = rejected(branch_a, officer, supervisor, at)
    run()
    case.refresh_from_db()
    assert case.anonymised_at is not None
    with pytest.raises(services.TransitionRefused) as refused:
        services.case_correct_contact(case=case, actor=supervisor, field="phone", value=NEW_PHONE)
    assert refused.value.code == "wrong_state"
    case.refresh_from_db()
    assert case.borrower_phone == "" and NEW_PHONE not in str(list(case.contact_corrections.values()))
