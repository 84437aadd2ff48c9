"""What staff and borrowers do with notices: read, acknowledge, retry,
handle, record phone calls; and the selectors the dashboards read."""

import datetime
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from cases import services
from cases.models import LoanCase
from notifications import selectors
from notifications import services as notification_services
from notifications.models import Channel, Notification, NotificationStatus, StaffTask
from tests.base import MONDAY, drive_to, make_case
from tests.notifications.helpers import send_due


@pytest.fixture
def failed_sms(case, officer, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.HttpSmsBackend"
    settings.NOTIFICATIONS_SMS_GATEWAY_URL = ""  # misconfigured: a permanent failure
    services.case_sign(case=case, actor=officer, at=MONDAY)
    send_due()
    notice = Notification.objects.get(case=case, channel=Channel.SMS)
    assert notice.status == NotificationStatus.FAILED
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    return notice


def test_opening_the_status_page_marks_its_notices_read_once(case, officer):
    services.case_sign(case=case, actor=officer, at=MONDAY)
    send_due()
    assert notification_services.notifications_mark_read_for_case(case=case) == 3
    assert notification_services.notifications_mark_read_for_case(case=case) == 0
    assert set(Notification.objects.filter(case=case).values_list("status", flat=True)) == {NotificationStatus.READ}


def test_mark_read_is_idempotent(case, officer):
    services.case_sign(case=case, actor=officer, at=MONDAY)
    page = Notification.objects.get(case=case, channel=Channel.STATUS_PAGE)
    assert notification_services.notification_mark_read(notification=page)
    assert not notification_services.notification_mark_read(notification=page)
    assert page.status == NotificationStatus.READ and page.events.filter(kind="read").count() == 1


def test_staff_retry_a_failed_notice_to_the_corrected_number(failed_sms, case, officer):
    LoanCase.objects.filter(pk=case.pk).update(borrower_phone="+8613900001111", phone_unreachable=False)

    notice = notification_services.notification_retry(notification=failed_sms, actor=officer)

    assert notice.status == NotificationStatus.QUEUED and notice.recipient == "+8613900001111"
    send_due()
    assert Notification.objects.get(pk=notice.pk).status == NotificationStatus.DELIVERED
    assert notice.events.filter(kind="retry").count() == 1


def test_retry_refuses_a_notice_that_did_not_fail_or_another_branchs(case, officer, outsider, failed_sms):
    page = Notification.objects.get(case=case, channel=Channel.STATUS_PAGE)
    with pytest.raises(ValidationError):
        notification_services.notification_retry(notification=page, actor=officer)
    with pytest.raises(PermissionDenied):
        notification_services.notification_retry(notification=failed_sms, actor=outsider)
    assert Notification.objects.get(pk=failed_sms.pk).status == NotificationStatus.FAILED


def test_handling_a_failed_notice_closes_its_task_and_clears_attention(failed_sms, case, officer):
    assert LoanCase.objects.get(pk=case.pk).needs_attention
    notification_services.notification_mark_handled(notification=failed_sms, actor=officer, note="已电话告知")

    assert not LoanCase.objects.get(pk=case.pk).needs_attention
    assert StaffTask.objects.get(notification=failed_sms).status == StaffTask.Status.DONE
    assert failed_sms.handled_by == officer


def test_a_phone_notice_is_delivered_when_the_officer_reached_the_borrower(case, people):
    drive_to(case, "rejected", people)
    send_due()
    task = StaffTask.objects.get(case=case, kind=StaffTask.Kind.PHONE_NOTICE)

    with pytest.raises(ValidationError):
        notification_services.task_complete(task=task, actor=people["officer"], outcome=" ")
    notification_services.task_complete(task=task, actor=people["officer"], outcome="已告知借款人", reached=True)

    assert task.status == StaffTask.Status.DONE
    assert Notification.objects.get(pk=task.notification_id).status == NotificationStatus.DELIVERED


def test_a_phone_notice_nobody_answered_fails_and_flags_the_case(case, people):
    drive_to(case, "rejected", people)
    send_due()
    task = StaffTask.objects.get(case=case, kind=StaffTask.Kind.PHONE_NOTICE)
    notification_services.task_complete(task=task, actor=people["officer"], outcome="无人接听", reached=False)
    assert Notification.objects.get(pk=task.notification_id).status == NotificationStatus.FAILED
    assert LoanCase.objects.get(pk=case.pk).needs_attention


def test_selectors_show_problems_and_rates_only_in_the_users_branch(failed_sms, officer, outsider, head_office):
    assert list(selectors.notification_list_problems(officer)) == [failed_sms]
    assert list(selectors.notification_list_problems(outsider)) == []
    assert list(selectors.notification_list_problems(head_office)) == [failed_sms]

    rates = selectors.delivery_rate_by_channel(officer, since=MONDAY - datetime.timedelta(days=1))
    assert rates[Channel.SMS]["failed"] == 1 and rates[Channel.EMAIL]["rate"] == 1.0
    assert selectors.delivery_rate_by_channel(outsider, since=MONDAY - datetime.timedelta(days=1)) == {}
    assert [t.kind for t in selectors.task_list_open_for_user(officer)] == [StaffTask.Kind.CALL_BORROWER]
    case = selectors.last_notice_per_case(LoanCase.objects.all()).get()
    assert case.last_notice_status in (NotificationStatus.FAILED, NotificationStatus.DELIVERED)


def test_demo_history_gets_realistic_outcomes_and_recent_notices_stay_queued(branch_a, officer, people):
    with notification_services.dispatch_suppressed():
        for _ in range(30):
            drive_to(make_case(branch_a, officer), "approved", people)
        recent = make_case(branch_a, officer, at=MONDAY + datetime.timedelta(days=10))
        services.case_sign(case=recent, actor=officer, at=MONDAY + datetime.timedelta(days=10))

    notification_services.settle_demo_history(now=MONDAY + datetime.timedelta(days=10, hours=1))

    old = Notification.objects.exclude(case=recent).exclude(channel=Channel.STATUS_PAGE)
    statuses = list(old.values_list("status", flat=True))
    assert NotificationStatus.QUEUED not in statuses
    assert statuses.count(NotificationStatus.ACKNOWLEDGED) > len(statuses) / 3
    failed = old.filter(status__in=[NotificationStatus.FAILED, NotificationStatus.BOUNCED])
    assert all(n.tasks.exists() and n.case.needs_attention for n in failed)
    assert set(Notification.objects.filter(case=recent, channel=Channel.SMS).values_list("status", flat=True)) == {
        NotificationStatus.QUEUED
    }


def test_the_commands_show_the_backlog_requeue_and_send_a_test_message(case, officer, q_sync):
    from notifications.channels import sms

    services.case_sign(case=case, actor=officer, at=MONDAY)
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
    from django_q.models import Schedule

    call_command("setup_schedules", stdout=StringIO())
    call_command("setup_schedules", stdout=StringIO())  # idempotent
    sweeper = Schedule.objects.get(func="notifications.tasks.sweep")
    assert (sweeper.schedule_type, sweeper.minutes) == (Schedule.MINUTES, 1)
    assert Schedule.objects.count() == 4
