"""Silence detection, hold reminders and unacknowledged escalation, with a
frozen clock across China's Labour Day holiday (1-5 May 2026, with Saturday
9 May a make-up working day)."""

import datetime

import pytest
import time_machine

from cases import services
from cases.models import LoanCase
from cases.services import cases_hold
from notifications import followup
from notifications.actions import notification_acknowledge
from notifications.models import Channel, Notification, NotificationStatus, StaffTask
from tests.base import BEIJING, make_case
from tests.notifications.helpers import send_due


def at(month, day, hour=10):
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=BEIJING)


@pytest.fixture
def signed_case(branch_a, officer):
    """Signed on Wednesday 29 April; the borrower got the SMS and email at once."""
    case = new_case(branch_a, officer, at(4, 29, 9))
    with time_machine.travel(at(4, 29), tick=False):
        services.case_transition(name="sign", case=case, actor=officer, at=at(4, 29))
        send_due()
    return case


def new_case(branch, officer, when):
    with time_machine.travel(when, tick=False):
        return make_case(branch, officer, at=when)


def progress_updates(case):
    return Notification.objects.filter(case=case, key="progress_update")


def test_silence_counts_business_days_not_calendar_days(signed_case, officer):
    # Three business days after 29 April are 30 April, 6 May and 7 May: the
    # holiday does not count. A weekday count would have fired on 4 May.
    for day in (at(4, 30), at(5, 4), at(5, 5), at(5, 6)):
        with time_machine.travel(day, tick=False):
            assert followup.send_progress_updates() == 0, day

    with time_machine.travel(at(5, 7), tick=False):
        assert followup.send_progress_updates() == 1
        assert followup.send_progress_updates() == 0  # the next run sends nothing twice

    updates = progress_updates(signed_case)
    assert {n.channel for n in updates} == {Channel.SMS, Channel.EMAIL, Channel.STATUS_PAGE}
    sms = updates.get(channel=Channel.SMS)
    assert "仍在办理中" in sms.body and "已面签" in sms.body  # still in progress, at which stage


def test_a_delivered_update_restarts_the_count(signed_case):
    with time_machine.travel(at(5, 7), tick=False):
        followup.send_progress_updates()
        send_due()
    # 8, 9 (make-up Saturday) and 11 May are the next three business days.
    with time_machine.travel(at(5, 9), tick=False):
        assert followup.send_progress_updates() == 0
    with time_machine.travel(at(5, 11), tick=False):
        assert followup.send_progress_updates() == 1


def test_no_update_at_night_or_for_closed_cases(signed_case, branch_a, officer):
    with time_machine.travel(at(5, 7, 23), tick=False):
        assert followup.send_progress_updates() == 0
    withdrawn = new_case(branch_a, officer, at(4, 29, 9))
    with time_machine.travel(at(4, 29), tick=False):
        services.case_transition(name="withdraw", case=withdrawn, actor=officer, reason="借款人撤回", at=at(4, 29))
        send_due()
    with time_machine.travel(at(5, 7), tick=False):
        assert followup.send_progress_updates() == 1  # the signed case only
    assert not progress_updates(withdrawn).exists()


def test_a_case_nobody_has_told_anything_gets_an_update(branch_a, officer):
    case = new_case(branch_a, officer, at(4, 29, 9))  # created, never signed
    with time_machine.travel(at(5, 7), tick=False):
        assert followup.send_progress_updates() == 1
    assert progress_updates(case).exists()


def test_a_held_case_is_kept_informed_like_any_other(signed_case, supervisor):
    with time_machine.travel(at(4, 30), tick=False):
        cases_hold(cases=LoanCase.objects.filter(pk=signed_case.pk), actor=supervisor, reason="所在城市房贷政策调整")
        send_due()  # the hold notice reaches the borrower on 30 April
    # Its silence counts like any case's: 6 and 7 May are two whole business
    # days without news, so the reminder goes out on 8 May.
    with time_machine.travel(at(5, 7), tick=False):
        assert followup.send_progress_updates() == 0
    with time_machine.travel(at(5, 8), tick=False):
        assert followup.send_progress_updates() == 1
        assert followup.send_progress_updates() == 0
        send_due()
    reminder = Notification.objects.get(case=signed_case, key="hold_reminder", channel=Channel.SMS)
    # Why it is held, and by when the bank writes next: 3 business days on
    # (9 May, a make-up Saturday, 11 and 12 May).
    assert "所在城市房贷政策调整。" in reminder.body and "我们最迟将于2026年5月12日再次告知您进展" in reminder.body
    assert not progress_updates(signed_case).exists()
    with time_machine.travel(at(5, 11), tick=False):
        assert followup.send_progress_updates() == 0
    with time_machine.travel(at(5, 12), tick=False):
        assert followup.send_progress_updates() == 1


@pytest.fixture
def delivered_thursday(branch_a, officer, settings):
    """A case signed on Thursday 7 May, its notices delivered the same day."""
    settings.NOTIFICATIONS_ACK_ESCALATION_DAYS = 2
    case = new_case(branch_a, officer, at(5, 7, 9))
    with time_machine.travel(at(5, 7), tick=False):
        services.case_transition(name="sign", case=case, actor=officer, at=at(5, 7))
        send_due()
    return case


def test_an_unacknowledged_message_becomes_one_phone_call_on_the_make_up_saturday(delivered_thursday, officer):
    with time_machine.travel(at(5, 8), tick=False):
        assert followup.escalate_unacknowledged() == 0
    # Friday 8 May and the make-up working Saturday 9 May are two business days.
    with time_machine.travel(at(5, 9), tick=False):
        assert followup.escalate_unacknowledged() == 1
        assert followup.escalate_unacknowledged() == 0

    task = StaffTask.objects.get(case=delivered_thursday)
    assert task.kind == StaffTask.Kind.CALL_BORROWER and task.assigned_to == officer
    assert task.notification.channel == Channel.SMS
    notices = Notification.objects.filter(case=delivered_thursday, key="sign")
    assert all(n.escalated_at is not None for n in notices)


def test_acknowledging_on_any_channel_prevents_the_call(delivered_thursday):
    page = Notification.objects.get(case=delivered_thursday, channel=Channel.STATUS_PAGE)
    notification_acknowledge(notification=page, at=at(5, 8))
    with time_machine.travel(at(5, 11), tick=False):
        assert followup.escalate_unacknowledged() == 0


def test_acknowledging_after_the_escalation_closes_the_call_task(delivered_thursday):
    with time_machine.travel(at(5, 9), tick=False):
        followup.escalate_unacknowledged()
    page = Notification.objects.get(case=delivered_thursday, channel=Channel.STATUS_PAGE)
    assert notification_acknowledge(notification=page, at=at(5, 9, 12))
    assert not notification_acknowledge(notification=page, at=at(5, 9, 13))  # idempotent
    task = StaffTask.objects.get(case=delivered_thursday)
    assert task.status == StaffTask.Status.DONE
    assert Notification.objects.get(pk=page.pk).status == NotificationStatus.ACKNOWLEDGED


def test_news_on_its_way_is_not_overtaken_by_an_update(signed_case, supervisor):
    # 7 May is the day the update would go; at 9:30 a real change of state
    # was written and its SMS is still queued at 10:00 (a slow gateway).
    with time_machine.travel(at(5, 7, 9), tick=False):
        services.case_transition(name="start_review", case=signed_case, actor=supervisor, at=at(5, 7, 9))
    with time_machine.travel(at(5, 7, 10), tick=False):
        assert followup.send_progress_updates() == 0  # "still in progress" beside real news says less
    # Two hours on it has still not reached them: the update goes after all.
    with time_machine.travel(at(5, 7, 11), tick=False):
        assert followup.send_progress_updates() == 1


def test_a_message_the_borrower_read_brings_no_call(delivered_thursday):
    sms = Notification.objects.get(case=delivered_thursday, channel=Channel.STATUS_PAGE)
    Notification.objects.filter(pk=sms.pk).update(status=NotificationStatus.READ, read_at=at(5, 7, 20))
    with time_machine.travel(at(5, 11), tick=False):
        assert followup.escalate_unacknowledged() == 0  # they saw it on the status page
