"""Zero silent borrowers: silence is measured on news that reached them;
failover to the next channel on a final failure or an open circuit; a call
nobody answered goes to the supervisor; late bounces count; a corrected
contact gets the latest news. Frozen clock, Monday 2 March 2026 onwards."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from cases import services
from cases.models import ContactCorrection, LoanCase
from notifications import actions as notification_actions
from notifications import circuit, followup
from notifications import outcomes as notification_outcomes
from notifications.models import (
    BorrowerNews,
    Channel,
    DeliveryEvent,
    Notification,
    NotificationStatus,
    ProviderCircuit,
    StaffTask,
)
from tests.base import BEIJING, make_case
from tests.notifications.backends import Outage, SmsOutage
from tests.notifications.helpers import send_due

FLAKY_EMAIL = "tests.notifications.backends.FlakyEmailBackend"
FLAKY_SMS = "tests.notifications.backends.FlakySmsBackend"
INVALID_SMS = "tests.notifications.backends.InvalidNumberSmsBackend"


def at(day, hour=10, minute=0):
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def providers_up():
    Outage.failures_left, Outage.calls = 0, 0
    SmsOutage.down, SmsOutage.calls = False, 0
    yield
    Outage.failures_left, SmsOutage.down = 0, False


def news_of(case):
    return list(BorrowerNews.objects.filter(case=case).order_by("at").values_list("how", flat=True))


def sign(case, officer, when):
    with time_machine.travel(when, tick=False):
        services.case_transition(name="sign", case=case, actor=officer)
        send_due()


# --- What counts as news -------------------------------------------------------------


def test_only_what_reached_the_borrower_is_news(branch_a, officer, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = INVALID_SMS
    case = make_case(branch_a, officer, at=at(2, 9), borrower_email="")
    sign(case, officer, at(2))
    # The status-page copy was written, the SMS failed: no news at all.
    assert news_of(case) == []
    # Three days on (3 and 4 March silent), an update is written...
    with time_machine.travel(at(5, 8), tick=False):
        assert followup.send_progress_updates() == 1
        send_due()
    # ...but it reaches nobody either (the number is flagged: the SMS copy is
    # written as suppressed), so two hours later a person is asked to call.
    update_sms = Notification.objects.get(case=case, key="progress_update", channel=Channel.SMS)
    assert update_sms.status == NotificationStatus.SUPPRESSED
    with time_machine.travel(at(5, 9), tick=False):
        assert followup.call_the_unreached() == 0
    with time_machine.travel(at(5, 10, 30), tick=False):
        followup.call_the_unreached()
    assert StaffTask.objects.filter(case=case, status="open", kind__in=["verify_contact", "call_borrower"]).exists()
    # The borrower opening the page is news (their own action).
    with time_machine.travel(at(5, 11), tick=False):
        notification_actions.status_page_opened(case=case)
    assert news_of(case) == ["status_page"]


def test_a_delivered_email_is_news_and_closes_the_call_about_the_same_news(branch_a, officer, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = INVALID_SMS
    case = make_case(branch_a, officer, at=at(2, 9))
    sign(case, officer, at(2))
    assert "email" in news_of(case)
    # The SMS failed for good: the number is checked, but nobody needs to call
    # about the signing, the email told them.
    verify = StaffTask.objects.get(case=case, kind=StaffTask.Kind.VERIFY_CONTACT)
    assert verify.status == StaffTask.Status.OPEN
    assert not StaffTask.objects.filter(case=case, kind=StaffTask.Kind.CALL_BORROWER, status="open").exists()


# --- Failover ---------------------------------------------------------------------------


def test_a_final_failure_sends_the_same_news_on_the_next_channel_at_once(branch_a, officer, settings):
    """"Find my application" sends the link by SMS only; the number is wrong."""
    from notifications.services import link_reissue_and_tell

    case = make_case(branch_a, officer, at=at(2, 9))
    settings.NOTIFICATIONS_SMS_BACKEND = INVALID_SMS
    with time_machine.travel(at(2, 11), tick=False):
        link_reissue_and_tell(case=case, channels=["sms"])
        send_due()
        send_due()  # the failover copy, queued by the first
    sms = Notification.objects.get(case=case, key="status_link", channel=Channel.SMS)
    email = Notification.objects.get(case=case, key="status_link", channel=Channel.EMAIL)
    assert sms.status == NotificationStatus.FAILED and sms.failed_over_at is not None
    assert email.status == NotificationStatus.DELIVERED and email.created_at == sms.created_at
    assert DeliveryEvent.objects.filter(notification=sms, kind="failover", detail="email").exists()
    assert mail.outbox[-1].to == ["zhangsan@example.com"]
    assert news_of(case) == ["email"]


def test_an_open_circuit_defers_the_channel_and_fails_over_at_once(branch_a, officer, settings):
    from notifications.services import link_reissue_and_tell

    settings.NOTIFICATIONS_SMS_BACKEND = FLAKY_SMS
    settings.NOTIFICATIONS_CIRCUIT_FAILURES = 3
    SmsOutage.down = True
    cases = [make_case(branch_a, officer, at=at(2, 9)) for _ in range(4)]
    with time_machine.travel(at(2, 11), tick=False):
        for case in cases[:3]:
            link_reissue_and_tell(case=case, channels=["sms"])
        send_due()
    # Three timeouts in a row: the SMS circuit is open for five minutes.
    assert circuit.is_open(Channel.SMS, at(2, 11))
    assert ProviderCircuit.objects.get(channel=Channel.SMS).opened_count == 1
    calls = SmsOutage.calls
    with time_machine.travel(at(2, 11, 1), tick=False):
        link_reissue_and_tell(case=cases[3], channels=["sms"])
        send_due()
        send_due()
    # The fourth SMS was not even tried; it waits, and its news went by email.
    assert SmsOutage.calls == calls
    waiting = Notification.objects.get(case=cases[3], key="status_link", channel=Channel.SMS)
    assert waiting.status == NotificationStatus.QUEUED and waiting.attempts == 0
    assert waiting.next_attempt_at >= at(2, 11, 5)
    assert Notification.objects.get(case=cases[3], key="status_link", channel=Channel.EMAIL).status == "delivered"
    # After the cool-off the provider is back: the probe goes through, the
    # circuit closes, and the notices it kept waiting are released within the
    # minute and sent (no attempt was wasted on the outage).
    SmsOutage.down = False
    with time_machine.travel(at(2, 11, 7), tick=False):
        send_due()
    assert not circuit.is_open(Channel.SMS, at(2, 11, 7))
    waiting.refresh_from_db()
    assert waiting.next_attempt_at <= at(2, 11, 8)
    with time_machine.travel(at(2, 11, 8), tick=False):
        send_due()
    waiting.refresh_from_db()
    assert waiting.status == NotificationStatus.DELIVERED and waiting.attempts == 1


def test_with_no_working_channel_a_person_calls_today(branch_a, officer, settings):
    settings.EMAIL_BACKEND = FLAKY_EMAIL
    settings.NOTIFICATIONS_CIRCUIT_FAILURES = 2
    Outage.failures_left = 10**6
    case = make_case(branch_a, officer, at=at(2, 9), borrower_phone="")
    other = make_case(branch_a, officer, at=at(2, 9), borrower_phone="")
    with time_machine.travel(at(2, 11), tick=False):
        services.case_transition(name="sign", case=other, actor=officer)
        send_due()
        send_due()  # two failed attempts: the email circuit opens
        services.case_transition(name="sign", case=case, actor=officer)
        send_due()
    call = StaffTask.objects.get(case=case, kind=StaffTask.Kind.CALL_BORROWER)
    assert call.status == "open" and call.assigned_to == officer
    assert call.due_at == datetime.datetime(2026, 3, 3, tzinfo=BEIJING)  # the end of today
    assert LoanCase.objects.get(pk=case.pk).needs_attention


# --- Calls nobody answered ------------------------------------------------------------------


def test_a_call_closed_as_not_reached_goes_to_the_supervisor_the_same_day(branch_a, officer, supervisor, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = INVALID_SMS
    case = make_case(branch_a, officer, at=at(2, 9), borrower_email="")
    sign(case, officer, at(2))
    verify = StaffTask.objects.get(case=case, kind=StaffTask.Kind.VERIFY_CONTACT)
    with time_machine.travel(at(2, 15), tick=False):
        notification_actions.task_complete(task=verify, actor=officer, outcome="空号，档案里没有别的号码", reached=False)
    escalation = StaffTask.objects.get(case=case, kind=StaffTask.Kind.ESCALATION)
    assert escalation.assigned_to == supervisor and escalation.status == "open"
    assert escalation.due_at == datetime.datetime(2026, 3, 3, tzinfo=BEIJING)
    assert "空号" in escalation.detail
    # And the supervisor sees it on their page.
    from django.test import Client

    browser = Client()
    browser.force_login(supervisor)
    with time_machine.travel(at(2, 16), tick=False):
        browser.force_login(supervisor)
        page = browser.get(reverse("cases:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert case.number in page and "Borrower not reached: escalated" in page


# --- Late bounces ------------------------------------------------------------------------------


def test_a_bounce_after_the_borrower_opened_the_page_still_flags_the_address(branch_a, officer, settings):
    settings.NOTIFICATIONS_EMAIL_TRACKED = True  # delivery is reported by webhook
    case = make_case(branch_a, officer, at=at(2, 9))
    sign(case, officer, at(2))
    email = Notification.objects.get(case=case, channel=Channel.EMAIL)
    Notification.objects.filter(pk=email.pk).update(provider_message_id="esp-1")
    with time_machine.travel(at(2, 12), tick=False):
        notification_actions.status_page_opened(case=case)
    assert Notification.objects.get(pk=email.pk).status == NotificationStatus.READ
    result = notification_outcomes.provider_event_record(
        message_id="esp-1", event_id="esp:bounce-1", kind="bounced", at=at(2, 13), reject_reason="bounced"
    )
    assert result == "applied"
    case.refresh_from_db()
    assert case.email_unreachable and case.needs_attention
    assert StaffTask.objects.filter(case=case, kind=StaffTask.Kind.VERIFY_CONTACT, status="open").exists()
    assert Notification.objects.get(pk=email.pk).status == NotificationStatus.READ  # they did have the news


# --- Contact correction ----------------------------------------------------------------------


def test_correcting_the_number_sends_the_latest_news_to_it(client, branch_a, officer, supervisor, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = INVALID_SMS
    case = make_case(branch_a, officer, at=at(2, 9), borrower_email="")
    sign(case, officer, at(2))
    with time_machine.travel(at(3), tick=False):
        services.case_transition(name="start_review", case=case, actor=officer)
        send_due()
    # Written for the flagged number, not sent.
    latest = Notification.objects.get(case=case, key="start_review", channel=Channel.SMS)
    assert latest.status == NotificationStatus.SUPPRESSED

    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    url = reverse("cases:correct_contact", args=[case.number])
    form = {"field": "phone", "value": "13900001111", "value_again": "139 0000 1111", "note": "档案中的号码，借款人确认"}
    with time_machine.travel(at(3, 11), tick=False):
        client.force_login(officer)
        mismatch = client.post(url, {**form, "value_again": "13900001112"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert mismatch.status_code == 400 and "两次输入不一致" in mismatch.content.decode()
        bad = client.post(url, {**form, "value": "123", "value_again": "123"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert bad.status_code == 400 and LoanCase.objects.get(pk=case.pk).borrower_phone == "+8613812345678"
        response = client.post(url, form, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 302
        send_due()
    case.refresh_from_db()
    assert case.borrower_phone == "+8613900001111" and not case.phone_unreachable
    latest.refresh_from_db()
    assert latest.status == NotificationStatus.DELIVERED and latest.recipient == "+8613900001111"
    assert not Notification.objects.filter(case=case, key="sign", channel=Channel.SMS, status="delivered").exists()
    correction = ContactCorrection.objects.get(case=case)
    assert (correction.old_masked, correction.new_masked, correction.actor) == ("138****5678", "139****1111", officer)
    assert StaffTask.objects.get(case=case, kind=StaffTask.Kind.VERIFY_CONTACT).status == "done"
    assert "sms" in news_of(case)
    # Only masked numbers in the audit trail and on the case page.
    client.force_login(officer)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "13900001111" not in page and "139****1111" in page


def test_only_staff_allowed_to_may_correct_and_nothing_changes_otherwise(client, case, outsider):
    client.force_login(outsider)
    url = reverse("cases:correct_contact", args=[case.number])
    form = {"field": "email", "value": "new@example.com", "value_again": "new@example.com", "note": "电话确认"}
    assert client.post(url, form).status_code == 404
    assert LoanCase.objects.get(pk=case.pk).borrower_email == "zhangsan@example.com"
    assert not ContactCorrection.objects.exists()


# --- The hourly job with more due cases than one read ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_silence_job_completes_over_five_hundred_due_cases_on_the_orm_broker(
    branch_a, officer, supervisor, settings
):
    """django-q2's ORM broker closes the connection while queueing (no
    connection reuse): the job must not be iterating a cursor then."""
    from decimal import Decimal

    from django_q.models import OrmQ

    from tests.base import make_id_number

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "orm": "default"}
    histories = [
        (
            {"at": at(2, 9), "branch": branch_a, "officer": officer, "borrower_name": "张三",
             "borrower_id_number": make_id_number(n), "borrower_phone": "13812345678", "borrower_email": "",
             "property_address": "北京市朝阳区建国路1号", "loan_amount": Decimal("900000")},
            [],
        )
        for n in range(520)
    ]
    services.cases_import_with_history(histories)
    with time_machine.travel(at(5, 9), tick=False):
        assert followup.send_progress_updates() == 520
    assert Notification.objects.filter(key="progress_update", channel=Channel.SMS).count() == 520
    assert OrmQ.objects.count() >= 520  # every SMS queued to the broker


def test_an_outage_never_uses_up_a_notices_attempts(branch_a, officer, settings):
    """Probes after each cool-off fail while the provider is down: the notice
    waits for the outage to end instead of failing for it."""
    from notifications import dispatch

    settings.EMAIL_BACKEND = FLAKY_EMAIL
    settings.NOTIFICATIONS_CIRCUIT_FAILURES = 1
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    Outage.failures_left = 10**6
    case = make_case(branch_a, officer, at=at(2, 9))
    with time_machine.travel(at(2, 11), tick=False):
        services.case_transition(name="sign", case=case, actor=officer)
    email = Notification.objects.get(case=case, channel=Channel.EMAIL)
    moment = at(2, 11)
    for _probe in range(5):
        with time_machine.travel(moment, tick=False):
            dispatch.send(email.pk)
        email.refresh_from_db()
        assert email.status == NotificationStatus.QUEUED
        moment = email.next_attempt_at + datetime.timedelta(seconds=1)
    assert email.attempts >= 3  # more than MAX_ATTEMPTS, and still waiting
    Outage.failures_left = 0
    with time_machine.travel(moment, tick=False):
        assert dispatch.send(email.pk) == NotificationStatus.DELIVERED


def test_a_resend_to_a_corrected_contact_carries_a_new_idempotency_key(branch_a, officer, settings):
    """The gateway has the old key on record as refused: reusing it would
    make it drop the resend."""
    settings.NOTIFICATIONS_SMS_BACKEND = INVALID_SMS
    case = make_case(branch_a, officer, at=at(2, 9), borrower_email="")
    sign(case, officer, at(2))
    failed = Notification.objects.get(case=case, key="sign", channel=Channel.SMS)
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    with time_machine.travel(at(2, 14), tick=False):
        services.case_correct_contact(case=case, actor=officer, field="phone", value="13900002222", note="档案")
        send_due()
    resent = Notification.objects.get(pk=failed.pk)
    assert resent.status == NotificationStatus.DELIVERED and resent.uuid != failed.uuid


# --- Edge cases the review of this change found ----------------------------------------------

RECEIPT_SMS = "tests.notifications.backends.ReceiptSmsBackend"
TIMEOUT_SMS = "tests.notifications.backends.TimeoutSmsBackend"
BLOCKED_SMS = "tests.notifications.backends.BlockedContentSmsBackend"
LOCMEM_SMS = "notifications.channels.sms.LocmemSmsBackend"


def test_an_update_that_was_accepted_but_never_delivered_brings_a_call(branch_a, officer, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = RECEIPT_SMS  # accepted; the receipt never comes
    case = make_case(branch_a, officer, at=at(2, 9), borrower_email="")
    with time_machine.travel(at(5, 8), tick=False):
        assert followup.send_progress_updates() == 1
        send_due()
    with time_machine.travel(at(5, 10, 30), tick=False):
        assert followup.call_the_unreached() == 1
        assert followup.call_the_unreached() == 0  # somebody is on it
    call = StaffTask.objects.get(case=case, kind=StaffTask.Kind.CALL_BORROWER)
    assert call.due_at == datetime.datetime(2026, 3, 6, tzinfo=BEIJING) and "2026-03-02" in call.detail


def test_a_late_failure_about_the_old_number_leaves_the_corrected_one_alone(branch_a, officer, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = RECEIPT_SMS
    case = make_case(branch_a, officer, at=at(2, 9), borrower_email="")
    sign(case, officer, at(2))
    old = Notification.objects.get(case=case, key="sign", channel=Channel.SMS)
    with time_machine.travel(at(2, 10, 5), tick=False):
        services.case_correct_contact(case=case, actor=officer, field="phone", value="13900001111", note="档案")
    notification_outcomes.provider_event_record(
        message_id=old.provider_message_id, event_id="r1", kind="failed", at=at(2, 10, 6), reject_reason="invalid_number"
    )
    case.refresh_from_db()
    assert case.borrower_phone == "+8613900001111" and not case.phone_unreachable
    assert not StaffTask.objects.filter(case=case, kind=StaffTask.Kind.VERIFY_CONTACT).exists()


def test_notices_still_waiting_go_to_the_corrected_number(branch_a, officer, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = TIMEOUT_SMS
    case = make_case(branch_a, officer, at=at(2, 9), borrower_email="")
    sign(case, officer, at(2))  # one failed attempt: back in the queue
    with time_machine.travel(at(2, 10, 5), tick=False):
        services.case_correct_contact(case=case, actor=officer, field="phone", value="13900001111", note="档案")
    settings.NOTIFICATIONS_SMS_BACKEND = LOCMEM_SMS
    with time_machine.travel(at(2, 12), tick=False):
        send_due()
    from notifications.channels import sms

    assert [message.to for message in sms.outbox] == ["+8613900001111"]


def test_a_correction_tells_where_things_stand_rather_than_resending_old_news(branch_a, officer, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = BLOCKED_SMS
    case = make_case(branch_a, officer, at=at(2, 9), borrower_email="")
    sign(case, officer, at(2))
    settings.NOTIFICATIONS_SMS_BACKEND = LOCMEM_SMS
    with time_machine.travel(at(3), tick=False):
        services.case_transition(name="start_review", case=case, actor=officer)
        send_due()
    with time_machine.travel(at(9), tick=False):
        services.case_correct_contact(case=case, actor=officer, field="phone", value="13900001111", note="档案")
        send_due()
    assert Notification.objects.get(case=case, key="sign", channel="sms").status == NotificationStatus.FAILED
    update = Notification.objects.get(case=case, key="progress_update", channel="sms")
    assert update.status == NotificationStatus.DELIVERED and update.recipient == "+8613900001111"


def test_a_delivered_email_that_bounces_later_is_no_news_and_fails_over(branch_a, officer, settings):
    settings.NOTIFICATIONS_EMAIL_TRACKED = True
    settings.NOTIFICATIONS_SMS_BACKEND = BLOCKED_SMS
    case = make_case(branch_a, officer, at=at(2, 9))
    sign(case, officer, at(2))
    email = Notification.objects.get(case=case, key="sign", channel="email")
    Notification.objects.filter(pk=email.pk).update(provider_message_id="esp-9")
    notification_outcomes.provider_event_record(message_id="esp-9", event_id="d", kind="delivered", at=at(2, 10, 1))
    assert news_of(case) == ["email"]
    notification_outcomes.provider_event_record(
        message_id="esp-9", event_id="b", kind="bounced", at=at(2, 10, 20), reject_reason="bounced"
    )
    assert not BorrowerNews.objects.filter(case=case, retracted_at__isnull=True).exists()
    # Both channels failed: a person calls today.
    assert StaffTask.objects.filter(case=case, kind=StaffTask.Kind.CALL_BORROWER, status="open").exists()


def test_a_late_receipt_of_older_news_does_not_stop_the_failover_of_newer_news(branch_a, officer, settings):
    settings.NOTIFICATIONS_EMAIL_TRACKED = True
    case = make_case(branch_a, officer, at=at(2, 9))
    sign(case, officer, at(2))
    sign_email = Notification.objects.get(case=case, key="sign", channel="email")
    Notification.objects.filter(pk=sign_email.pk).update(provider_message_id="esp-sign")
    BorrowerNews.objects.filter(case=case).delete()
    settings.NOTIFICATIONS_SMS_BACKEND = BLOCKED_SMS
    with time_machine.travel(at(3, 10), tick=False):
        services.case_transition(name="start_review", case=case, actor=officer)
    notification_outcomes.provider_event_record(message_id="esp-sign", event_id="d", kind="delivered", at=at(3, 10, 1))
    with time_machine.travel(at(3, 10, 2), tick=False):
        send_due()
    review_email = Notification.objects.get(case=case, key="start_review", channel="email")
    Notification.objects.filter(pk=review_email.pk).update(provider_message_id="esp-review")
    notification_outcomes.provider_event_record(
        message_id="esp-review", event_id="f", kind="failed", at=at(3, 10, 5), reject_reason="mailbox_full"
    )
    # Neither copy of "under review" reached them: somebody must call.
    assert StaffTask.objects.filter(case=case, status="open", kind=StaffTask.Kind.CALL_BORROWER).exists()


def test_news_written_only_for_a_number_known_bad_asks_for_a_contact_check(branch_a, officer, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = INVALID_SMS
    case = make_case(branch_a, officer, at=at(2, 9), borrower_email="")
    sign(case, officer, at(2))
    verify = StaffTask.objects.get(case=case, kind=StaffTask.Kind.VERIFY_CONTACT)
    with time_machine.travel(at(2, 11), tick=False):
        notification_actions.task_complete(task=verify, actor=officer, outcome="当面告知", reached=True)
    with time_machine.travel(at(3), tick=False):
        services.case_transition(name="start_review", case=case, actor=officer)
    assert Notification.objects.get(case=case, key="start_review", channel="sms").status == "suppressed"
    check = StaffTask.objects.get(case=case, kind=StaffTask.Kind.VERIFY_CONTACT, status="open")
    assert check.notification.key == "start_review" and check.assigned_to == officer


def test_a_call_asked_for_in_the_evening_is_due_the_next_business_day(case):
    from notifications import staff

    assert staff.end_of_business_day(at(2, 16)) == datetime.datetime(2026, 3, 3, tzinfo=BEIJING)
    assert staff.end_of_business_day(at(2, 23, 30)) == datetime.datetime(2026, 3, 4, tzinfo=BEIJING)
    assert staff.end_of_business_day(datetime.datetime(2026, 3, 7, 10, tzinfo=BEIJING)) == datetime.datetime(
        2026, 3, 10, tzinfo=BEIJING
    )  # Saturday: Monday 9 March


def test_after_the_cool_off_one_notice_probes_while_the_others_wait(branch_a, officer, settings):
    from notifications import dispatch

    settings.NOTIFICATIONS_SMS_BACKEND = FLAKY_SMS
    settings.NOTIFICATIONS_CIRCUIT_FAILURES = 1
    SmsOutage.down = True
    cases = [make_case(branch_a, officer, at=at(2, 9), borrower_email="") for _ in range(3)]
    with time_machine.travel(at(2, 11), tick=False):
        for case in cases:
            services.case_transition(name="sign", case=case, actor=officer)
        send_due()
    assert SmsOutage.calls == 1  # the first failure opened the circuit; the others wait
    queued = list(Notification.objects.filter(channel="sms", status="queued").values_list("pk", flat=True))
    with time_machine.travel(at(2, 11, 10), tick=False):  # after the cool-off
        for pk in queued:
            dispatch.send(pk)
    assert SmsOutage.calls == 2  # one probe


def test_a_notice_an_outage_kept_waiting_for_two_days_ends(branch_a, officer, settings):
    from notifications import dispatch

    settings.NOTIFICATIONS_SMS_BACKEND = FLAKY_SMS
    settings.NOTIFICATIONS_CIRCUIT_FAILURES = 1
    SmsOutage.down = True
    case = make_case(branch_a, officer, at=at(2, 9), borrower_email="")
    sign(case, officer, at(2))
    notice = Notification.objects.get(case=case, key="sign", channel="sms")
    ProviderCircuit.objects.filter(channel="sms").update(open_until=at(5))  # still down on Thursday
    with time_machine.travel(at(4, 11), tick=False):
        assert dispatch.send(notice.pk) == NotificationStatus.FAILED
    assert StaffTask.objects.filter(case=case, status="open").exists()


def test_the_correction_note_is_masked_too(branch_a, officer):
    case = make_case(branch_a, officer, at=at(2, 9))
    correction = services.case_correct_contact(
        case=case, actor=officer, field="phone", value="13900001111", note="拨打13900001111确认，原号码13812345678停用"
    )
    assert "13900001111" not in correction.note and "13812345678" not in correction.note
    assert "139****1111" in correction.note
