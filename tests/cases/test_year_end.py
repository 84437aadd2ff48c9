"""The year end of 2026, with a frozen clock: 2027's State Council schedule is
not entered, yet every officer keeps working, deadlines reaching into 2027 are
estimated and marked provisional, and entering the schedule later recomputes
them, telling only the borrowers whose date moved later."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django_q.conf import Conf

from cases import calendar, services, sla
from cases.models import BusinessYear, CaseTransition, DeadlineChange, LoanCase
from cases.services.transitions import _apply_transition
from notifications import followup
from notifications.models import Notification, StaffTask
from tests.base import BEIJING, make_case
from tests.notifications.helpers import send_due

D = datetime.date


def at(y, m, d, h=10):
    return datetime.datetime(y, m, d, h, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def quiet_backends(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    settings.NOTIFICATIONS_EMAIL_TRACKED = False


def step(case, name, actor, when, **kwargs):
    """Fire a transition at `when`, as the officer's browser would: no backdating."""
    with time_machine.travel(when, tick=False):
        return services.case_transition(case=case, name=name, actor=actor, **kwargs)


def approved_case(branch, officer, supervisor, day):
    """A case approved on `day` (signed two days before, by the officer)."""
    case = make_case(branch, officer, at=day - datetime.timedelta(days=3))
    step(case, "sign", officer, day - datetime.timedelta(days=2))
    step(case, "start_review", officer, day - datetime.timedelta(days=1, hours=2))
    step(case, "approve", supervisor, day)
    return case


def in_review(branch, officer, day):
    case = make_case(branch, officer, at=day - datetime.timedelta(days=2))
    step(case, "sign", officer, day - datetime.timedelta(days=1))
    step(case, "start_review", officer, day - datetime.timedelta(hours=3))
    return case


def request_documents(case, officer, when):
    return step(case, "request_documents", officer, when, reason="需补充收入证明", payload={"documents": ["收入证明"]})


def test_registration_starts_on_21_december_with_an_estimated_deadline_in_2027(branch_a, officer, supervisor):
    case = approved_case(branch_a, officer, supervisor, at(2026, 12, 18))
    record = step(case, "start_registration", officer, at(2026, 12, 21))
    case.refresh_from_db()
    # 10 business days: 22–31 Dec are 8, New Year's Day (Fri) is off, Mon 4
    # and Tue 5 January make 10.
    assert case.status == "registration"
    assert sla.due_date(case.due_at) == D(2027, 1, 5)
    assert case.deadline_provisional and case.sla_days == 10
    assert record.deadline_provisional and record.due_at == case.due_at
    # The borrower is told the date, and that it is an estimate.
    sms = Notification.objects.get(case=case, key="start_registration", channel="sms")
    assert "2027年1月5日（预计" in sms.body


def test_documents_are_requested_on_28_december_with_an_estimated_deadline(branch_a, officer):
    case = in_review(branch_a, officer, at(2026, 12, 28))
    request_documents(case, officer, at(2026, 12, 28, 11))
    case.refresh_from_db()
    assert case.status == "documents_requested"
    assert sla.due_date(case.due_at) == D(2027, 1, 12)
    assert case.deadline_provisional


def test_an_estimated_deadline_skips_the_estimated_spring_festival(branch_a, officer):
    # The lunar calendar puts 2027's Spring Festival holiday on Fri 5 – Wed 10
    # February; 10 business days from Fri 29 January end on Thu 18 February.
    case = in_review(branch_a, officer, at(2027, 1, 29))
    request_documents(case, officer, at(2027, 1, 29, 11))
    case.refresh_from_db()
    assert sla.due_date(case.due_at) == D(2027, 2, 18)
    assert case.deadline_provisional


def test_on_5_january_2027_cases_open_and_every_follow_up_job_runs(client, branch_a, officer, supervisor):
    # A case signed on 29 December, its borrower told at once, then silence.
    silent = make_case(branch_a, officer, at=at(2026, 12, 28))
    step(silent, "sign", officer, at(2026, 12, 29))
    with time_machine.travel(at(2026, 12, 29), tick=False):
        send_due()
    # A case held on 23 December (a policy freeze).
    held = in_review(branch_a, officer, at(2026, 12, 23))
    step(held, "hold", supervisor, at(2026, 12, 23, 11), reason="房贷政策调整")
    # A case overdue since 28 December (submitted on the 21st, never signed).
    overdue = make_case(branch_a, officer, at=at(2026, 12, 21))

    with time_machine.travel(at(2027, 1, 5), tick=False):
        new = make_case(branch_a, officer, at=at(2027, 1, 5))
        assert sla.due_date(new.due_at) == D(2027, 1, 12) and new.deadline_provisional
        assert followup.send_progress_updates() >= 1
        assert Notification.objects.filter(case=silent, key="progress_update").exists()
        assert Notification.objects.filter(case=held, key="hold_reminder").exists()
        # The silent case's sign notices went unacknowledged for 3 business days.
        assert followup.escalate_unacknowledged() >= 1
        assert StaffTask.objects.filter(case=silent, kind=StaffTask.Kind.CALL_BORROWER).exists()

        client.force_login(officer)
        response = client.get(reverse("cases:overdue"), {"min_days": 2}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert overdue.number in page and new.number not in page


# A 2027 schedule as the State Council might announce it (fictional, for the
# test): New Year's Day 1–3 January; Spring Festival Fri 5 – Thu 11 February,
# one day longer than the estimate; Saturday 20 February worked in exchange.
SCHEDULE_2027 = """
2027-01-01~2027-01-03, 休, 元旦
2月5日至11日, 休, 春节
2027-02-20, 班, 春节调休上班
2027-04-05, 休, 清明节
2027-05-01~2027-05-05, 休, 劳动节
2027-06-09, 休, 端午节
2027-09-15, 休, 中秋节
2027-10-01~2027-10-07, 休, 国庆节
"""


def test_entering_the_2027_schedule_recomputes_and_tells_only_those_whose_date_moved_later(
    client, branch_a, officer, supervisor, head_office, monkeypatch, django_capture_on_commit_callbacks
):
    # The recomputation is a django-q2 task queued after the save commits;
    # here it runs inline, as a worker would run it at once.
    monkeypatch.setattr(Conf, "SYNC", True)
    registration = approved_case(branch_a, officer, supervisor, at(2026, 12, 18))
    step(registration, "start_registration", officer, at(2026, 12, 21))
    documents = in_review(branch_a, officer, at(2026, 12, 28))
    request_documents(documents, officer, at(2026, 12, 28, 11))
    # Spans the Spring Festival: the announced holiday is a day longer.
    spring = in_review(branch_a, officer, at(2027, 1, 29))
    request_documents(spring, officer, at(2027, 1, 29, 11))
    # Spans the make-up Saturday: one business day more, so earlier.
    after = in_review(branch_a, officer, at(2027, 2, 12))
    request_documents(after, officer, at(2027, 2, 12, 11))
    cases = [registration, documents, spring, after]
    before = {case.pk: LoanCase.objects.get(pk=case.pk).due_at for case in cases}
    assert all(LoanCase.objects.get(pk=case.pk).deadline_provisional for case in cases)
    assert [sla.due_date(before[case.pk]) for case in cases] == [
        D(2027, 1, 5), D(2027, 1, 12), D(2027, 2, 18), D(2027, 2, 26)
    ]

    url = reverse("cases:calendar_edit", args=[2027])
    form = {"status": "announced", "source": "国办发明电〔2026〕（测试）", "days": SCHEDULE_2027}
    with time_machine.travel(at(2027, 2, 15), tick=False):
        client.force_login(head_office)
        preview = client.post(url, form, HTTP_ACCEPT_LANGUAGE="en")
        assert preview.status_code == 200
        text = preview.content.decode()
        assert "2027-02-11" in text and "2027-02-20" in text  # the changed days
        assert "Saving moves 1 later" in text and "1 earlier" in text
        assert LoanCase.objects.filter(deadline_provisional=True).count() == 4  # a preview writes nothing
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {**form, "confirm": "yes"}, HTTP_ACCEPT_LANGUAGE="en")
        page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Deadlines recomputed at 2027-02-15 10:00: 4 checked, 1 later" in page

    after_ = {case.pk: LoanCase.objects.get(pk=case.pk) for case in cases}
    assert [sla.due_date(after_[case.pk].due_at) for case in cases] == [
        D(2027, 1, 5), D(2027, 1, 12), D(2027, 2, 19), D(2027, 2, 25)
    ]
    assert not any(case.deadline_provisional for case in after_.values())
    # One audit entry per case, saying what moved; the transition audit stays as written.
    for case in cases:
        change = DeadlineChange.objects.get(case=case)
        assert (change.old_due_at, change.new_due_at) == (before[case.pk], after_[case.pk].due_at)
        assert change.old_provisional and not change.new_provisional and change.actor == head_office
    assert CaseTransition.objects.filter(case=spring, transition="request_documents").get().deadline_provisional
    # Only the borrower whose date moved later hears of it, once per channel.
    moved = Notification.objects.filter(key="deadline_moved")
    assert {n.case_id for n in moved} == {spring.pk}
    assert {n.channel for n in moved} == {"sms", "email", "status_page"}
    sms = moved.get(channel="sms")
    assert "原预计2027年2月18日" in sms.body and "2027年2月19日" in sms.body and "预计，" not in sms.body

    # Running the hourly recomputation again changes nothing.
    result = services.calendar_recompute_pending()
    assert result.moved == 0 and DeadlineChange.objects.count() == 4 and moved.count() == 3


def test_the_hourly_run_mends_a_deadline_computed_on_an_old_snapshot(branch_a, officer, head_office):
    case = in_review(branch_a, officer, at(2026, 12, 28))
    days, errors = calendar.parse_rows(calendar.split_table(SCHEDULE_2027), 2027)
    assert not errors
    # Another process still held the old snapshot when the year was stored:
    # it computed an estimate after the announcement.
    stale = calendar.current()
    calendar.year_store(year=2027, status="announced", days=days, actor=head_office)
    with time_machine.travel(at(2026, 12, 28, 11), tick=False):
        record = _apply_transition(
            LoanCase.objects.get(pk=case.pk), "request_documents", officer, "需补充", {"documents": ["流水"]},
            at(2026, 12, 28, 11), calendar=stale,
        )
    record.case.save()
    record.save()
    assert LoanCase.objects.get(pk=case.pk).deadline_provisional

    result = services.case_deadlines_recompute()
    case.refresh_from_db()
    assert result.now_final == 1 and not case.deadline_provisional
    assert sla.due_date(case.due_at) == D(2027, 1, 12)


def test_every_calendar_reader_crosses_the_year(branch_a, officer):
    # Three business days back from Tue 5 January 2027: 5 Jan, 4 Jan, 31 Dec.
    cutoff = sla.business_days_back(at(2027, 1, 5), 3)
    assert cutoff == datetime.datetime(2026, 12, 31, tzinfo=BEIJING)
    assert sla.business_days_between(D(2026, 12, 30), D(2027, 1, 5)) == 3


def borrower_page(client, case):
    from notifications.links import link_issue

    _link, token = link_issue(case)
    client.get(reverse("borrowers:enter", args=[token]))
    return client.get(reverse("borrowers:status")).content.decode()


def test_the_borrower_page_and_the_staff_lists_say_the_date_is_estimated(client, branch_a, officer, supervisor):
    registration = approved_case(branch_a, officer, supervisor, at(2026, 12, 18))
    step(registration, "start_registration", officer, at(2026, 12, 21))
    case = in_review(branch_a, officer, at(2026, 12, 28))
    request_documents(case, officer, at(2026, 12, 28, 11))
    with time_machine.travel(at(2026, 12, 29), tick=False):
        assert "此日期为预计：2027年国家节假日安排尚未公布" in borrower_page(client, registration)
        assert "（预计：该年度节假日安排尚未公布）" in borrower_page(client, case)
        client.force_login(officer)
        home = client.get(reverse("cases:home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert '2027-01-12 <span class="badge provisional"' in home
        detail = client.get(reverse("cases:detail", args=[case.number]), HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert "2027年节假日安排尚未公布" in detail.content.decode()


def test_the_overdue_export_marks_estimated_deadlines(client, branch_a, officer):
    case = in_review(branch_a, officer, at(2026, 12, 28))
    request_documents(case, officer, at(2026, 12, 28, 11))
    with time_machine.travel(at(2027, 1, 20), tick=False):
        client.force_login(officer)
        response = client.get(reverse("cases:overdue_export", args=["csv"]), HTTP_ACCEPT_LANGUAGE="en")
    rows = response.content.decode("utf-8-sig").splitlines()
    assert "due date estimated" in rows[0]
    assert case.number in rows[1] and ",yes," in rows[1]


def test_a_bulk_hold_and_resume_keep_the_estimate_flag_true(branch_a, officer, supervisor):
    from cases.services import cases_hold, cases_resume

    case = in_review(branch_a, officer, at(2026, 12, 28))
    request_documents(case, officer, at(2026, 12, 28, 11))
    with time_machine.travel(at(2026, 12, 29), tick=False):
        cases_hold(cases=LoanCase.objects.filter(pk=case.pk), actor=supervisor, reason="政策调整")
    case.refresh_from_db()
    assert case.status == "on_hold" and case.due_at is None
    assert not case.deadline_provisional and case.sla_days is None
    # Nothing to recompute for a held case, and nothing breaks on it.
    assert services.calendar_recompute_pending().checked == 0
    with time_machine.travel(at(2026, 12, 30), tick=False):
        cases_resume(cases=LoanCase.objects.filter(pk=case.pk), actor=supervisor)
    case.refresh_from_db()
    assert case.status == "documents_requested" and case.sla_days == 10
    assert case.deadline_provisional and sla.due_date(case.due_at) == D(2027, 1, 14)
    assert CaseTransition.objects.filter(case=case, transition="resume").get().deadline_provisional


def test_correcting_an_announced_year_moves_the_deadlines_that_count_the_changed_days(branch_a, officer, head_office):
    first, _ = calendar.parse_rows(calendar.split_table("2027-01-01, 休, 元旦"), 2027)
    services.calendar_year_save(year=2027, status="announced", days=first, actor=head_office, queue=False)
    services.calendar_recompute_pending()
    case = in_review(branch_a, officer, at(2026, 12, 28))
    request_documents(case, officer, at(2026, 12, 28, 11))
    case.refresh_from_db()
    assert sla.due_date(case.due_at) == D(2027, 1, 12) and not case.deadline_provisional
    untouched = in_review(branch_a, officer, at(2026, 12, 7))  # due 14 December: counts no changed day
    before = LoanCase.objects.get(pk=untouched.pk).due_at

    # The notice said 1–5 January: three more days off.
    corrected, _ = calendar.parse_rows(calendar.split_table("2027-01-01~2027-01-05, 休, 元旦"), 2027)
    services.calendar_year_save(year=2027, status="announced", days=corrected, actor=head_office, queue=False)
    assert BusinessYear.objects.get(year=2027).recompute_requested_at is not None
    result = services.calendar_recompute_pending()
    case.refresh_from_db()
    assert result.later == 1 and sla.due_date(case.due_at) == D(2027, 1, 14) and not case.deadline_provisional
    assert LoanCase.objects.get(pk=untouched.pk).due_at == before
    assert Notification.objects.filter(case=case, key="deadline_moved").exists()
    assert BusinessYear.objects.get(year=2027).recompute_requested_at is None

    # Downgraded to a draft: the same days, but the deadline is an estimate again.
    services.calendar_year_save(year=2027, status="estimated", days=corrected, actor=head_office, queue=False)
    services.calendar_recompute_pending()
    case.refresh_from_db()
    assert case.deadline_provisional and sla.due_date(case.due_at) == D(2027, 1, 14)
    assert DeadlineChange.objects.filter(case=case).count() == 2
