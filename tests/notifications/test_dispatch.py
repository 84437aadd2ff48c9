"""Sending: claims, retries with backoff, permanent failures, stale claims."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from cases import services
from cases.models import LoanCase
from notifications import dispatch
from notifications.channels import sms
from notifications.models import (
    Channel,
    DeliveryEvent,
    Notification,
    NotificationStatus,
    StaffTask,
)
from tests.base import MONDAY
from tests.notifications.backends import Outage, message_ids


@pytest.fixture
def outage(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.FlakyEmailBackend"
    Outage.failures_left = 0
    Outage.calls = 0
    return Outage


def signed_cases(branch, officer, count):
    from tests.base import make_case

    cases = [make_case(branch, officer) for _ in range(count)]
    for case in cases:
        services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    return cases


def test_it_claims_a_notice_once(case, officer):
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    notice = Notification.objects.get(case=case, channel=Channel.SMS)

    assert dispatch.send(notice.pk) == NotificationStatus.DELIVERED
    assert dispatch.send(notice.pk) is None  # a second task for the same notice does nothing
    assert len(sms.outbox) == 1
    assert sms.outbox[0].idempotency_key == str(notice.uuid)


def test_email_carries_the_uuid_as_message_id_with_text_and_html(case, officer):
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    notice = Notification.objects.get(case=case, channel=Channel.EMAIL)
    dispatch.send(notice.pk)

    message = mail.outbox[0]
    assert message.extra_headers["Message-ID"] == f"<{notice.uuid}@loanflow.local>"
    # The key rides on the message for the ESP backend to put where its ESP
    # reads it (tests/notifications/test_sent_once.py), never in the email.
    assert message.idempotency_key == str(notice.uuid) and "Idempotency-Key" not in message.extra_headers
    assert message.to == [case.borrower_email]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "<a href=\"https://loans.bank.example/s/" in html


def test_provider_outage_then_recovery_delivers_every_notice_once(branch_a, officer, outage, q_sync):
    cases = signed_cases(branch_a, officer, 5)
    outage.failures_left = 8  # the ESP is down for the first 8 attempts

    now = MONDAY + datetime.timedelta(minutes=1)
    for _ in range(12):  # the sweeper's runs (django-q2 inline), the clock moving on
        with time_machine.travel(now, tick=False):
            dispatch.sweep()
        now += datetime.timedelta(minutes=5)

    emails = Notification.objects.filter(case__in=cases, channel=Channel.EMAIL)
    assert set(emails.values_list("status", flat=True)) == {NotificationStatus.DELIVERED}
    assert sorted(message_ids()) == sorted(f"<{n.uuid}@loanflow.local>" for n in emails)  # none twice
    # Every attempt is on record: 8 failures and 5 successes.
    failed = DeliveryEvent.objects.filter(notification__in=emails, kind="attempt_failed")
    assert failed.count() == 8 and outage.calls == 13
    assert DeliveryEvent.objects.filter(notification__in=emails, kind="delivered").count() == 5
    assert sum(emails.values_list("attempts", flat=True)) == 13


def test_retries_back_off_exponentially_with_jitter(case, officer, outage, settings):
    settings.NOTIFICATIONS_BACKOFF_BASE = 60
    settings.NOTIFICATIONS_BACKOFF_JITTER = 0.2
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    notice = Notification.objects.get(case=case, channel=Channel.EMAIL)
    outage.failures_left = 3

    now = MONDAY
    waits = []
    for _attempt in range(3):
        with time_machine.travel(now, tick=False):
            assert dispatch.send(notice.pk) == NotificationStatus.QUEUED
            notice.refresh_from_db()
            waits.append((notice.next_attempt_at - now).total_seconds())
            # Not due yet: a task arriving early does nothing.
            assert dispatch.send(notice.pk) is None
        now = notice.next_attempt_at

    for attempt, wait in enumerate(waits):
        assert 60 * 2**attempt * 0.8 <= wait <= 60 * 2**attempt * 1.2
    with time_machine.travel(now, tick=False):
        assert dispatch.send(notice.pk) == NotificationStatus.DELIVERED


def test_the_last_failed_attempt_creates_a_call_task_and_flags_the_case(case, officer, outage, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    settings.NOTIFICATIONS_BACKOFF_BASE = 1
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    notice = Notification.objects.get(case=case, channel=Channel.EMAIL)
    outage.failures_left = 99

    with time_machine.travel(MONDAY, tick=False):
        dispatch.send(notice.pk)
    with time_machine.travel(MONDAY + datetime.timedelta(minutes=5), tick=False):
        assert dispatch.send(notice.pk) == NotificationStatus.FAILED

    notice.refresh_from_db()
    assert notice.failed_at is not None and "503" in notice.last_error
    task = StaffTask.objects.get(notification=notice)
    assert task.kind == StaffTask.Kind.CALL_BORROWER and task.assigned_to == officer
    assert LoanCase.objects.get(pk=case.pk).needs_attention


def test_a_refused_address_is_not_retried_and_asks_to_verify_the_contact(case, officer, settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingEmailBackend"
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    notice = Notification.objects.get(case=case, channel=Channel.EMAIL)

    assert dispatch.send(notice.pk) == NotificationStatus.FAILED
    notice.refresh_from_db()
    assert notice.attempts == 1
    assert StaffTask.objects.get(notification=notice).kind == StaffTask.Kind.VERIFY_CONTACT
    case.refresh_from_db()
    assert case.email_unreachable and case.needs_attention


def test_the_sweeper_requeues_a_dead_workers_claim(case, officer, q_sync, settings):
    # A gateway that drops a repeat by key: sent again at once (one without
    # keys waits for its report: test_sent_once.py).
    settings.NOTIFICATIONS_SMS_BACKEND = "tests.notifications.backends.KeyedSmsBackend"
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    notice = Notification.objects.get(case=case, channel=Channel.SMS)
    # A worker claimed it and died before sending.
    Notification.objects.filter(pk=notice.pk).update(
        status=NotificationStatus.SENDING, claimed_at=MONDAY, attempts=1
    )

    with time_machine.travel(MONDAY + datetime.timedelta(seconds=30), tick=False):
        assert dispatch.sweep()["stale_claims"] == 0  # could still be a live send
    with time_machine.travel(MONDAY + datetime.timedelta(seconds=91), tick=False):
        assert dispatch.sweep()["stale_claims"] == 1

    notice.refresh_from_db()
    assert notice.status == NotificationStatus.DELIVERED and notice.attempts == 2
    assert [e.kind for e in notice.events.all()] == ["claim_expired", "sending", "delivered"]
    assert len(sms.outbox) == 1


def test_the_sweeper_requeues_notices_whose_on_commit_hook_never_ran(case, officer, q_sync):
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)  # the hook is never run in this test

    with time_machine.travel(MONDAY + datetime.timedelta(seconds=5), tick=False):
        assert dispatch.sweep()["requeued"] == 0  # the hook normally wins; left alone
    with time_machine.travel(MONDAY + datetime.timedelta(minutes=1), tick=False):
        assert dispatch.sweep()["requeued"] == 2

    assert set(Notification.objects.filter(case=case).values_list("status", flat=True)) == {
        NotificationStatus.DELIVERED
    }


def test_a_late_result_after_the_claim_was_taken_over_changes_nothing(case, officer):
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    notice = Notification.objects.get(case=case, channel=Channel.SMS)
    Notification.objects.filter(pk=notice.pk).update(status=NotificationStatus.SENDING, claimed_at=MONDAY)
    notice.refresh_from_db()
    # Meanwhile the sweeper gave the row to another worker, which claimed it anew.
    Notification.objects.filter(pk=notice.pk).update(claimed_at=MONDAY + datetime.timedelta(minutes=2))

    from notifications.channels import SendResult

    assert dispatch._attempt_succeeded(notice, SendResult(delivered=True)) is None
    assert Notification.objects.get(pk=notice.pk).status == NotificationStatus.SENDING


def test_the_end_of_an_outage_releases_a_thousand_waiting_notices_in_a_few_statements(
    case, django_assert_max_num_queries
):
    now = timezone.now()
    later = now + datetime.timedelta(hours=1)
    Notification.objects.bulk_create(
        Notification(
            case=case, key="sign", channel=Channel.SMS, recipient=case.borrower_phone, status=NotificationStatus.QUEUED,
            created_at=now, next_attempt_at=later,
        )
        for _ in range(1200)
    )
    with django_assert_max_num_queries(4):  # one read, three UPDATEs of up to 500 rows
        dispatch._release_waiting(Channel.SMS, now)
    released = Notification.objects.filter(next_attempt_at__lte=now + datetime.timedelta(seconds=60))
    assert released.count() == 1200
    # Spread over the minute, not all at one instant.
    assert released.values("next_attempt_at").distinct().count() > 100
