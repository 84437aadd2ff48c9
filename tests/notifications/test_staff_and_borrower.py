"""What staff and borrowers do with notices: read, acknowledge, retry,
handle, record phone calls; and the selectors the dashboards read."""

import datetime
import uuid
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django_q.models import Schedule

from cases import services, sla
from cases.models import LoanCase
from notifications import actions as notification_actions
from notifications import selectors
from notifications import services as notification_services
from notifications.demo import DemoOutcomes
from notifications.models import BorrowerNews, Channel, Notification, NotificationStatus, StaffTask
from tests.base import MONDAY, drive_to, make_case
from tests.notifications.helpers import send_due


@pytest.fixture
def failed_sms(case, officer, settings):
    """An SMS that failed for good, to a borrower with no email: nothing else
    brought them the news, so the call task stays open."""
    LoanCase.objects.filter(pk=case.pk).update(borrower_email="")
    case.refresh_from_db()
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.HttpSmsBackend"
    settings.NOTIFICATIONS_SMS_GATEWAY_URL = ""  # misconfigured: a permanent failure
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    send_due()
    notice = Notification.objects.get(case=case, channel=Channel.SMS)
    assert notice.status == NotificationStatus.FAILED
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    return notice


def test_opening_the_status_page_marks_its_notices_read_once(case, officer):
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    send_due()
    assert notification_actions.notifications_mark_read_for_case(case=case) == 3
    assert notification_actions.notifications_mark_read_for_case(case=case) == 0
    assert set(Notification.objects.filter(case=case).values_list("status", flat=True)) == {NotificationStatus.READ}


def test_mark_read_is_idempotent(case, officer):
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    page = Notification.objects.get(case=case, channel=Channel.STATUS_PAGE)
    assert notification_actions.notification_mark_read(notification=page)
    assert not notification_actions.notification_mark_read(notification=page)
    assert page.status == NotificationStatus.READ and page.events.filter(kind="read").count() == 1


def test_staff_retry_a_failed_notice_to_the_corrected_number(failed_sms, case, officer):
    LoanCase.objects.filter(pk=case.pk).update(borrower_phone="+8613900001111", phone_unreachable=False)

    notice = notification_actions.notification_retry(notification=failed_sms, actor=officer)

    assert notice.status == NotificationStatus.QUEUED and notice.recipient == "+8613900001111"
    send_due()
    assert Notification.objects.get(pk=notice.pk).status == NotificationStatus.DELIVERED
    assert notice.events.filter(kind="retry").count() == 1


def test_retry_refuses_a_notice_that_did_not_fail_or_another_branchs(case, officer, outsider, failed_sms):
    page = Notification.objects.get(case=case, channel=Channel.STATUS_PAGE)
    with pytest.raises(ValidationError):
        notification_actions.notification_retry(notification=page, actor=officer)
    with pytest.raises(PermissionDenied):
        notification_actions.notification_retry(notification=failed_sms, actor=outsider)
    assert Notification.objects.get(pk=failed_sms.pk).status == NotificationStatus.FAILED


def test_handling_a_failed_notice_closes_its_task_and_clears_attention(failed_sms, case, officer):
    assert LoanCase.objects.get(pk=case.pk).needs_attention
    notification_actions.notification_mark_handled(notification=failed_sms, actor=officer, note="已电话告知")

    assert not LoanCase.objects.get(pk=case.pk).needs_attention
    assert StaffTask.objects.get(notification=failed_sms).status == StaffTask.Status.DONE
    assert failed_sms.handled_by == officer


def test_a_phone_notice_is_delivered_when_the_officer_reached_the_borrower(case, people):
    drive_to(case, "rejected", people)
    send_due()
    task = StaffTask.objects.get(case=case, kind=StaffTask.Kind.PHONE_NOTICE)

    with pytest.raises(ValidationError):
        notification_actions.task_complete(task=task, actor=people["officer"], outcome=" ")
    notification_actions.task_complete(task=task, actor=people["officer"], outcome="已告知借款人", reached=True)

    assert task.status == StaffTask.Status.DONE
    assert Notification.objects.get(pk=task.notification_id).status == NotificationStatus.DELIVERED


def test_a_phone_notice_nobody_answered_fails_and_flags_the_case(case, people):
    drive_to(case, "rejected", people)
    send_due()
    task = StaffTask.objects.get(case=case, kind=StaffTask.Kind.PHONE_NOTICE)
    notification_actions.task_complete(task=task, actor=people["officer"], outcome="无人接听", reached=False)
    assert Notification.objects.get(pk=task.notification_id).status == NotificationStatus.FAILED
    assert LoanCase.objects.get(pk=case.pk).needs_attention


def test_a_phone_notice_that_reached_nobody_goes_to_the_branch_supervisor_the_same_day(case, people):
    drive_to(case, "rejected", people)
    send_due()
    phone_task = StaffTask.objects.get(case=case, kind=StaffTask.Kind.PHONE_NOTICE)

    with time_machine.travel(MONDAY + datetime.timedelta(hours=4), tick=False):  # Monday 14:00
        notification_actions.task_complete(task=phone_task, actor=people["officer"], outcome="无人接听", reached=False)

    escalation = StaffTask.objects.get(case=case, status=StaffTask.Status.OPEN)
    assert escalation.kind == StaffTask.Kind.ESCALATION and escalation.assigned_to == people["supervisor"]
    assert escalation.notification_id == phone_task.notification_id and "无人接听" in escalation.detail
    assert sla.due_date(escalation.due_at) == sla.local_day(MONDAY)  # the same business day
    # The supervisor not reaching them either keeps the task open, attempt noted.
    notification_actions.task_complete(task=escalation, actor=people["supervisor"], outcome="仍无人接听", reached=False)
    escalation.refresh_from_db()
    assert escalation.status == StaffTask.Status.OPEN and "仍无人接听" in escalation.outcome
    assert list(selectors.notice_problems(people["officer"], "failed")) == [phone_task.notification]
    # Reaching them ends it, and is news for the borrower.
    notification_actions.task_complete(task=escalation, actor=people["supervisor"], outcome="已告知", reached=True)
    escalation.refresh_from_db()
    assert escalation.status == StaffTask.Status.DONE and escalation.reached_at is not None
    assert BorrowerNews.objects.filter(case=case, how="call").exists()


def test_it_gives_the_officer_a_new_phone_task_when_a_failed_phone_notice_is_retried(case, people):
    drive_to(case, "rejected", people)
    send_due()
    first = StaffTask.objects.get(case=case, kind=StaffTask.Kind.PHONE_NOTICE)
    notification_actions.task_complete(task=first, actor=people["officer"], outcome="无人接听", reached=False)
    notice = Notification.objects.get(pk=first.notification_id)

    notification_actions.notification_retry(notification=notice, actor=people["officer"])
    send_due()

    notice.refresh_from_db()
    assert notice.status == NotificationStatus.SENT
    again = StaffTask.objects.get(notification=notice, kind=StaffTask.Kind.PHONE_NOTICE, status=StaffTask.Status.OPEN)
    assert again.pk != first.pk
    notification_actions.task_complete(task=again, actor=people["officer"], outcome="已告知借款人", reached=True)
    assert Notification.objects.get(pk=notice.pk).status == NotificationStatus.DELIVERED


def test_it_keeps_a_phone_notice_to_one_open_task_when_a_dead_workers_claim_is_retried(case, people):
    drive_to(case, "rejected", people)
    notice = Notification.objects.get(case=case, channel=Channel.PHONE)
    send_due()
    # The worker died after writing the task, before recording the send.
    Notification.objects.filter(pk=notice.pk).update(status=NotificationStatus.QUEUED)
    send_due()
    assert StaffTask.objects.filter(notification=notice, kind=StaffTask.Kind.PHONE_NOTICE).count() == 1


def test_it_tells_staff_to_verify_the_contact_when_retry_is_refused(failed_sms, case, officer):
    from django.utils import translation

    LoanCase.objects.filter(pk=case.pk).update(phone_unreachable=True)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        notification_actions.notification_retry(notification=failed_sms, actor=officer)
    assert refused.value.code == "unreachable"
    assert "核实" in " ".join(refused.value.messages) and "短信" in " ".join(refused.value.messages)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        notification_actions.notification_retry(notification=failed_sms, actor=officer)
    assert "Verify it with the borrower and correct the contact details first" in " ".join(refused.value.messages)


def test_selectors_show_problems_only_in_the_users_branch(failed_sms, officer, outsider, head_office):
    assert list(selectors.notice_problems(officer, "failed")) == [failed_sms]
    assert list(selectors.notice_problems(outsider, "failed")) == []
    assert list(selectors.notice_problems(head_office, "failed")) == [failed_sms]

    # The dashboards' figures (delivery rates, open tasks, last notice) are
    # tested with the dashboards.
    assert list(selectors.notifications_for_user(outsider)) == []


def test_demo_history_gets_realistic_outcomes_and_recent_notices_stay_queued(branch_a, officer, people):
    outcomes = DemoOutcomes(now=MONDAY + datetime.timedelta(days=10, hours=1))
    with notification_services.dispatch_suppressed(settle=outcomes):
        for _ in range(30):
            drive_to(make_case(branch_a, officer), "approved", people)
        recent = make_case(branch_a, officer, at=MONDAY + datetime.timedelta(days=10))
        services.case_transition(name="sign", case=recent, actor=officer, at=MONDAY + datetime.timedelta(days=10))

    old = Notification.objects.exclude(case=recent).exclude(channel=Channel.STATUS_PAGE)
    statuses = list(old.values_list("status", flat=True))
    assert NotificationStatus.QUEUED not in statuses
    assert statuses.count(NotificationStatus.ACKNOWLEDGED) > len(statuses) / 3
    # Each settled notice has its history. A failure leaves a call to make,
    # and its case needing attention, only if no other copy of that news
    # (nor later news) reached the borrower: as failover settles it live.
    assert all(n.events.exists() for n in old)
    failed = old.filter(status__in=[NotificationStatus.FAILED, NotificationStatus.BOUNCED])
    assert failed.exists()
    for n in failed:
        reached = old.filter(case=n.case, created_at__gte=n.created_at).exclude(
            status__in=[NotificationStatus.FAILED, NotificationStatus.BOUNCED]
        ).exists()
        assert n.tasks.exists() == (not reached)
        assert n.tasks.exists() <= n.case.needs_attention
    assert set(Notification.objects.filter(case=recent, channel=Channel.SMS).values_list("status", flat=True)) == {
        NotificationStatus.QUEUED
    }


def test_the_commands_show_the_backlog_requeue_and_send_a_test_message(case, officer, q_sync):
    from notifications.channels import sms

    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    out = StringIO()
    call_command("notification_backlog", stdout=out)
    assert "queued" in out.getvalue() and "sms" in out.getvalue()

    call_command("requeue_notifications", stdout=StringIO())
    assert not Notification.objects.filter(status=NotificationStatus.QUEUED).exists()

    out = StringIO()
    call_command("send_test_message", sms="+8613812345678", email="ops@bank.example", stdout=out)
    assert "sms: accepted" in out.getvalue() and "email: accepted" in out.getvalue()
    assert sms.outbox[-1].to == "+8613812345678"


def test_setup_schedules_creates_the_sweeper_every_minute(db):
    call_command("setup_schedules", stdout=StringIO())
    call_command("setup_schedules", stdout=StringIO())  # idempotent
    sweeper = Schedule.objects.get(func="notifications.tasks.sweep")
    assert (sweeper.schedule_type, sweeper.minutes) == (Schedule.MINUTES, 1)
    assert Schedule.objects.filter(func="cases.tasks.recompute_deadlines").exists()
    assert Schedule.objects.filter(func="api.tasks.sweep_webhooks", minutes=1).exists()  # events out
    assert Schedule.objects.filter(func="cases.tasks.forget_unimported_rows").exists()  # no stale ID numbers
    assert Schedule.objects.count() == 8  # the hold reminders are part of the silence rule now


# --- A borrower's question the officer could not answer by phone ---------------


def ask_as_borrower(client, case):
    from notifications.links import link_issue

    _link, token = link_issue(case)
    client.get(reverse("borrowers:enter", args=[token]))
    response = client.post(
        reverse("borrowers:ask"),
        {"text": "贷款什么时候能放款？", "callback_time": "morning", "submission": str(uuid.uuid4())},
    )
    assert response.status_code == 302
    return response["Location"]


def test_it_does_not_tell_the_borrower_a_question_was_answered_when_nobody_reached_them(client, case, officer):
    question_page = ask_as_borrower(client, case)
    task = StaffTask.objects.get(case=case, kind=StaffTask.Kind.BORROWER_QUESTION)

    notification_actions.task_complete(task=task, actor=officer, outcome="无人接听，明天再打", reached=False)

    task.refresh_from_db()
    assert task.status == StaffTask.Status.OPEN  # still on the officer's list
    assert "无人接听，明天再打" in task.outcome and "officer" in task.outcome
    page = client.get(question_page).content.decode()
    assert "客户经理已答复" not in page
    assert "等待客户经理答复" in client.get(reverse("borrowers:status")).content.decode()
    # The borrower is told the truth: tried, not reached, will call again.
    assert "客户经理曾致电您，但未能接通" in page

    # A second attempt is noted too; reaching the borrower answers the question.
    notification_actions.task_complete(task=task, actor=officer, outcome="仍无人接听", reached=False)
    notification_actions.task_complete(task=task, actor=officer, outcome="已电话答复放款时间", reached=True)
    task.refresh_from_db()
    assert task.status == StaffTask.Status.DONE
    assert task.outcome.index("无人接听，明天再打") < task.outcome.index("仍无人接听") < task.outcome.index("已电话答复放款时间")
    assert "客户经理已答复" in client.get(question_page).content.decode()


def test_requeue_failed_goes_through_the_retry_path(failed_sms, officer):
    old_key = failed_sms.uuid
    out = StringIO()
    call_command("requeue_notifications", "--failed", stdout=out)
    assert "failed/bounced notices queued again: 1" in out.getvalue()
    failed_sms.refresh_from_db()
    # A new idempotency key (the provider has the old one as done), a fresh
    # round of attempts, and the event that says who sent it again.
    assert failed_sms.uuid != old_key and failed_sms.attempts <= 1
    assert failed_sms.events.filter(kind="retry", detail="manage.py requeue_notifications").exists()


def test_requeue_failed_leaves_a_contact_known_not_to_work(failed_sms):
    LoanCase.objects.filter(pk=failed_sms.case_id).update(phone_unreachable=True)
    out = StringIO()
    call_command("requeue_notifications", "--failed", stdout=out)
    assert "failed/bounced notices queued again: 0" in out.getvalue()
    assert "marked as not working: 1" in out.getvalue()
    failed_sms.refresh_from_db()
    assert failed_sms.status == NotificationStatus.FAILED
