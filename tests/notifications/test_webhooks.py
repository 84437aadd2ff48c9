"""Provider webhooks: Mailgun and Postmark through django-anymail, SMS receipts
with an HMAC signature. Bad requests get 4xx and change nothing; unknown
messages are acknowledged and change nothing; duplicates change nothing."""

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.core import mail
from django.test import override_settings

from cases import services
from cases.models import LoanCase
from notifications import dispatch
from notifications.models import (
    Channel,
    DeliveryEvent,
    Notification,
    NotificationStatus,
    StaffTask,
)
from notifications.webhooks import sign_sms_receipt
from tests.base import MONDAY

SECRET = "webhookuser:webhookpass"
MAILGUN_KEY = "mailgun-signing-key"
ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}
SMS_SECRET = "sms-receipt-secret"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}

pytestmark = pytest.mark.usefixtures("tracked")


@pytest.fixture
def tracked(settings):
    settings.ANYMAIL = ANYMAIL
    settings.NOTIFICATIONS_EMAIL_TRACKED = True
    settings.NOTIFICATIONS_SMS_WEBHOOK_SECRET = SMS_SECRET
    settings.NOTIFICATIONS_SMS_BACKEND = "tests.notifications.test_webhooks.ReceiptsSmsBackend"


from notifications.channels.sms import LocmemSmsBackend  # noqa: E402


class ReceiptsSmsBackend(LocmemSmsBackend):
    receipts = True  # like the HTTP gateway: delivery is reported later


def sent_notice(case, officer, channel, provider_id):
    """A notice sent by the worker, the provider having answered `provider_id`."""
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    notice = Notification.objects.get(case=case, channel=channel)
    assert dispatch.send(notice.pk) == NotificationStatus.SENT
    Notification.objects.filter(pk=notice.pk).update(provider_message_id=provider_id)
    notice.refresh_from_db()
    return notice


def snapshot():
    return (
        list(Notification.objects.order_by("pk").values()),
        DeliveryEvent.objects.count(),
        StaffTask.objects.count(),
        list(LoanCase.objects.order_by("pk").values("needs_attention", "email_unreachable", "phone_unreachable")),
    )


# --- Mailgun ---------------------------------------------------------------


def mailgun_payload(event, message_id, token="a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0", key=MAILGUN_KEY,
                    signed_at=None, **extra):
    timestamp = str(int(signed_at or time.time()))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    event_data = {
        "event": event,
        "timestamp": time.time(),
        "id": "CPgfbmQMTCKtHW6uIWtuVe",
        "recipient": "zhangsan@example.com",
        "message": {"headers": {"message-id": message_id, "to": "zhangsan@example.com"}},
        "delivery-status": {"code": 250, "message": "OK", "description": ""},
        **extra,
    }
    return {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": event_data}


def post_mailgun(client, payload, url="/notifications/email/mailgun/tracking/", **headers):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(url, data=body, content_type="application/json", **{**AUTH, **headers})


def test_mailgun_delivered_marks_the_notice_delivered(client, case, officer):
    notice = sent_notice(case, officer, Channel.EMAIL, "<20260302.1@mg.bank.example>")

    response = post_mailgun(client, mailgun_payload("delivered", "20260302.1@mg.bank.example"))

    assert response.status_code == 200
    notice.refresh_from_db()
    assert notice.status == NotificationStatus.DELIVERED and notice.delivered_at is not None
    assert notice.events.filter(kind="provider:delivered").count() == 1


def test_anymails_own_urls_are_not_mounted(client, case, officer):
    # They accept a Mailgun signature of any age, as many times as it is sent.
    notice = sent_notice(case, officer, Channel.EMAIL, "<20260302.1@mg.bank.example>")
    response = post_mailgun(client, mailgun_payload("delivered", "20260302.1@mg.bank.example"),
                            url="/anymail/mailgun/tracking/")
    assert response.status_code == 404
    assert Notification.objects.get(pk=notice.pk).status == NotificationStatus.SENT


def test_a_mailgun_signature_is_used_once(client, case, officer):
    notice = sent_notice(case, officer, Channel.EMAIL, "<20260302.1@mg.bank.example>")
    delivered = mailgun_payload("delivered", "20260302.1@mg.bank.example", token="t" * 50)
    assert post_mailgun(client, delivered).status_code == 200
    before = snapshot()
    # The same signed request again a minute later, now claiming a bounce.
    bounced = mailgun_payload("failed", "20260302.1@mg.bank.example", token="t" * 50, severity="permanent",
                              reason="bounce")
    bounced["signature"] = delivered["signature"]
    assert 400 <= post_mailgun(client, bounced).status_code < 500
    assert snapshot() == before
    assert Notification.objects.get(pk=notice.pk).status == NotificationStatus.DELIVERED


def test_an_unconfigured_provider_is_a_404_not_a_500(client, case, officer, settings):
    settings.ANYMAIL = {}
    before = snapshot()
    for esp in ("mailgun", "postmark", "resend", "brevo", "sendgrid"):
        url = f"/notifications/email/{esp}/tracking/"
        assert client.post(url, data="{not json", content_type="application/json").status_code == 404
    assert snapshot() == before


def test_a_mailgun_hard_bounce_marks_the_address_unreachable_and_asks_to_verify_it(client, case, officer):
    notice = sent_notice(case, officer, Channel.EMAIL, "<20260302.2@mg.bank.example>")

    payload = mailgun_payload("failed", "20260302.2@mg.bank.example", severity="permanent", reason="bounce")
    assert post_mailgun(client, payload).status_code == 200

    notice.refresh_from_db()
    assert notice.status == NotificationStatus.BOUNCED
    case.refresh_from_db()
    assert case.email_unreachable and case.needs_attention
    assert StaffTask.objects.get(notification=notice).kind == StaffTask.Kind.VERIFY_CONTACT


def test_a_temporary_mailgun_failure_changes_no_status(client, case, officer):
    notice = sent_notice(case, officer, Channel.EMAIL, "<20260302.3@mg.bank.example>")
    payload = mailgun_payload("failed", "20260302.3@mg.bank.example", severity="temporary", reason="generic")
    assert post_mailgun(client, payload).status_code == 200
    assert Notification.objects.get(pk=notice.pk).status == NotificationStatus.SENT


def test_a_duplicate_mailgun_webhook_changes_nothing(client, case, officer):
    sent_notice(case, officer, Channel.EMAIL, "<20260302.1@mg.bank.example>")
    payload = mailgun_payload("delivered", "20260302.1@mg.bank.example")
    assert post_mailgun(client, payload).status_code == 200
    before = snapshot()

    assert post_mailgun(client, payload).status_code == 200
    assert snapshot() == before


@pytest.mark.parametrize(
    "tamper",
    ["wrong signature", "no signature", "malformed json", "wrong basic auth", "no basic auth"],
)
def test_bad_mailgun_webhooks_get_4xx_and_change_nothing(client, case, officer, tamper):
    sent_notice(case, officer, Channel.EMAIL, "<20260302.1@mg.bank.example>")
    before = snapshot()
    payload = mailgun_payload("failed", "20260302.1@mg.bank.example", severity="permanent", reason="bounce")
    headers = {}
    if tamper == "wrong signature":
        payload = mailgun_payload("failed", "20260302.1@mg.bank.example", key="not-the-key", severity="permanent")
    elif tamper == "no signature":
        del payload["signature"]
    elif tamper == "malformed json":
        payload = '{"signature": {"timestamp": '
    elif tamper == "wrong basic auth":
        headers = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"webhookuser:guess").decode()}
    elif tamper == "no basic auth":
        headers = {"HTTP_AUTHORIZATION": ""}

    response = post_mailgun(client, payload, **headers)
    assert 400 <= response.status_code < 500, response.status_code
    assert snapshot() == before


def test_a_replayed_mailgun_webhook_signed_long_ago_is_refused_and_changes_nothing(client, case, officer):
    sent_notice(case, officer, Channel.EMAIL, "<20260302.1@mg.bank.example>")
    before = snapshot()
    # Correctly signed, but an hour ago: a captured request sent again.
    payload = mailgun_payload("failed", "20260302.1@mg.bank.example", signed_at=time.time() - 3600,
                              severity="permanent", reason="bounce")
    response = post_mailgun(client, payload)
    assert 400 <= response.status_code < 500
    assert snapshot() == before


def test_an_event_for_an_unknown_message_is_acknowledged_and_changes_nothing(client, case, officer):
    sent_notice(case, officer, Channel.EMAIL, "<20260302.1@mg.bank.example>")
    before = snapshot()
    response = post_mailgun(client, mailgun_payload("delivered", "somebody-else@mg.bank.example"))
    assert response.status_code == 200
    assert snapshot() == before


@override_settings(ANYMAIL={"MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY})
def test_signed_webhooks_work_without_basic_auth_but_unsigned_ones_do_nothing(client, case, officer, settings):
    notice = sent_notice(case, officer, Channel.EMAIL, "<20260302.1@mg.bank.example>")
    settings.ANYMAIL = {}  # Postmark now has no protection at all
    before = snapshot()
    body = {"RecordType": "Delivery", "MessageID": "<20260302.1@mg.bank.example>", "DeliveredAt": "2026-03-02T02:00:00Z"}
    response = client.post("/notifications/email/postmark/tracking/", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 404  # not configured: nothing to accept it
    assert snapshot() == before
    assert Notification.objects.get(pk=notice.pk).status == NotificationStatus.SENT


# --- Postmark ----------------------------------------------------------------

POSTMARK_ID = "883953f4-6105-42a2-a16a-77a8eac79483"


def post_postmark(client, payload, url="/notifications/email/postmark/tracking/", **headers):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(url, data=body, content_type="application/json", **{**AUTH, **headers})


def postmark_delivery(message_id=POSTMARK_ID):
    return {
        "RecordType": "Delivery",
        "ServerID": 23,
        "MessageStream": "outbound",
        "MessageID": message_id,
        "Recipient": "zhangsan@example.com",
        "Tag": "",
        "DeliveredAt": "2026-03-02T02:33:54.9070259Z",
        "Details": "Test delivery webhook details",
        "Metadata": {},
    }


def postmark_bounce(kind="HardBounce", message_id=POSTMARK_ID):
    return {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": kind,
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "",
        "MessageID": message_id,
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": "zhangsan@example.com",
        "From": "loanflow@bank.example",
        "BouncedAt": "2026-03-02T02:40:00Z",
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Test subject",
    }


def test_postmark_delivery_and_bounce_update_the_notice(client, branch_a, officer):
    from tests.base import make_case

    first = sent_notice(make_case(branch_a, officer), officer, Channel.EMAIL, POSTMARK_ID)
    second_case = make_case(branch_a, officer)
    second = sent_notice(second_case, officer, Channel.EMAIL, "11111111-2222-3333-4444-555555555555")

    assert post_postmark(client, postmark_delivery()).status_code == 200
    assert post_postmark(client, postmark_bounce(message_id=second.provider_message_id)).status_code == 200

    assert Notification.objects.get(pk=first.pk).status == NotificationStatus.DELIVERED
    assert Notification.objects.get(pk=second.pk).status == NotificationStatus.BOUNCED
    assert LoanCase.objects.get(pk=second_case.pk).email_unreachable


def test_resend_and_brevo_report_delivery_and_bounces_too(client, branch_a, officer):
    # The ESPs whose backends pass our idempotency key must report back too,
    # or their email never counts as news that reached the borrower.
    from tests.base import make_case

    resend_delivered = sent_notice(make_case(branch_a, officer), officer, Channel.EMAIL, "re-4f2c")
    brevo_case = make_case(branch_a, officer)
    brevo_bounced = sent_notice(brevo_case, officer, Channel.EMAIL, "<202603020233.1@smtp-relay.mailin.fr>")
    resend = {"type": "email.delivered", "created_at": "2026-03-02T02:33:54.000Z",
              "data": {"email_id": "re-4f2c", "to": ["zhangsan@example.com"]}}
    brevo = {"event": "hard_bounce", "email": "zhangsan@example.com", "ts_epoch": 1772418000000,
             "message-id": "<202603020233.1@smtp-relay.mailin.fr>", "reason": "550 5.1.1 no such user"}

    assert post_postmark(client, resend, url="/notifications/email/resend/tracking/").status_code == 200
    assert post_postmark(client, brevo, url="/notifications/email/brevo/tracking/").status_code == 200

    assert Notification.objects.get(pk=resend_delivered.pk).status == NotificationStatus.DELIVERED
    assert Notification.objects.get(pk=brevo_bounced.pk).status == NotificationStatus.BOUNCED
    assert LoanCase.objects.get(pk=brevo_case.pk).email_unreachable
    wrong = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"x:y").decode()}
    assert post_postmark(client, resend, url="/notifications/email/resend/tracking/", **wrong).status_code == 400


def test_a_duplicate_postmark_delivery_changes_nothing(client, case, officer):
    sent_notice(case, officer, Channel.EMAIL, POSTMARK_ID)
    assert post_postmark(client, postmark_delivery()).status_code == 200
    before = snapshot()
    assert post_postmark(client, postmark_delivery()).status_code == 200
    assert snapshot() == before


@pytest.mark.parametrize("tamper", ["malformed json", "not an object", "wrong basic auth"])
def test_bad_postmark_webhooks_get_4xx_and_change_nothing(client, case, officer, tamper):
    sent_notice(case, officer, Channel.EMAIL, POSTMARK_ID)
    before = snapshot()
    payload, headers = postmark_bounce(), {}
    if tamper == "malformed json":
        payload = "{RecordType: Bounce"
    elif tamper == "not an object":
        payload = "[1, 2, 3]"
    elif tamper == "wrong basic auth":
        headers = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"x:y").decode()}
    response = post_postmark(client, payload, **headers)
    assert 400 <= response.status_code < 500
    assert snapshot() == before


def test_a_bounce_after_the_borrower_acknowledged_changes_no_status(client, case, officer):
    from notifications.actions import notification_acknowledge

    notice = sent_notice(case, officer, Channel.EMAIL, POSTMARK_ID)
    notification_acknowledge(notification=notice, at=MONDAY)
    assert post_postmark(client, postmark_bounce()).status_code == 200
    assert Notification.objects.get(pk=notice.pk).status == NotificationStatus.ACKNOWLEDGED


# --- SMS receipts --------------------------------------------------------------


def post_receipt(client, data, secret=SMS_SECRET, timestamp=None, signature=None, raw=None):
    body = raw if raw is not None else json.dumps(data).encode()
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    signature = signature if signature is not None else sign_sms_receipt(secret, timestamp, body)
    return client.post(
        "/notifications/sms/receipts/",
        data=body,
        content_type="application/json",
        HTTP_X_LOANFLOW_TIMESTAMP=timestamp,
        HTTP_X_LOANFLOW_SIGNATURE=signature,
    )


def test_an_sms_receipt_marks_the_notice_delivered_once(client, case, officer):
    notice = sent_notice(case, officer, Channel.SMS, "gw-1001")
    receipt = {"event_id": "dlr-1", "message_id": "gw-1001", "status": "delivered"}

    response = post_receipt(client, receipt)
    assert response.status_code == 200 and response.json() == {"result": "applied"}
    assert Notification.objects.get(pk=notice.pk).status == NotificationStatus.DELIVERED

    before = snapshot()
    assert post_receipt(client, receipt).json() == {"result": "duplicate"}
    assert snapshot() == before


def test_an_invalid_number_receipt_marks_the_phone_unreachable(client, case, officer):
    notice = sent_notice(case, officer, Channel.SMS, "gw-1002")
    post_receipt(client, {"event_id": "dlr-2", "message_id": "gw-1002", "status": "invalid_number"})
    assert Notification.objects.get(pk=notice.pk).status == NotificationStatus.FAILED
    case.refresh_from_db()
    assert case.phone_unreachable and case.needs_attention
    assert StaffTask.objects.get(notification=notice).kind == StaffTask.Kind.VERIFY_CONTACT


@pytest.mark.parametrize(
    "tamper", ["unsigned", "wrong secret", "tampered body", "replayed (old timestamp)", "malformed json", "no status"]
)
def test_bad_sms_receipts_get_4xx_and_change_nothing(client, case, officer, tamper):
    sent_notice(case, officer, Channel.SMS, "gw-1003")
    before = snapshot()
    receipt = {"event_id": "dlr-3", "message_id": "gw-1003", "status": "invalid_number"}
    if tamper == "unsigned":
        response = client.post("/notifications/sms/receipts/", data=json.dumps(receipt), content_type="application/json")
    elif tamper == "wrong secret":
        response = post_receipt(client, receipt, secret="guess")
    elif tamper == "tampered body":
        timestamp = str(int(time.time()))
        signature = sign_sms_receipt(SMS_SECRET, timestamp, json.dumps({**receipt, "status": "delivered"}).encode())
        response = post_receipt(client, receipt, timestamp=timestamp, signature=signature)
    elif tamper == "replayed (old timestamp)":
        response = post_receipt(client, receipt, timestamp=str(int(time.time()) - 3600))
    elif tamper == "malformed json":
        response = post_receipt(client, None, raw=b'{"event_id": ')
    else:
        response = post_receipt(client, {"event_id": "dlr-3", "message_id": "gw-1003"})
    assert 400 <= response.status_code < 500
    assert snapshot() == before


def test_an_sms_receipt_for_an_unknown_message_is_acknowledged(client, case, officer):
    sent_notice(case, officer, Channel.SMS, "gw-1004")
    before = snapshot()
    response = post_receipt(client, {"event_id": "dlr-4", "message_id": "gw-unknown", "status": "delivered"})
    assert response.status_code == 200 and response.json() == {"result": "unknown"}
    assert snapshot() == before


def test_receipts_are_refused_when_no_secret_is_configured(client, case, officer, settings):
    settings.NOTIFICATIONS_SMS_WEBHOOK_SECRET = ""
    response = post_receipt(client, {"event_id": "x", "message_id": "y", "status": "delivered"}, secret="")
    assert response.status_code == 403


def test_the_anymail_test_backend_id_is_stored_for_matching_webhooks(case, officer, settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    notice = Notification.objects.get(case=case, channel=Channel.EMAIL)
    dispatch.send(notice.pk)
    notice.refresh_from_db()
    assert notice.provider_message_id == "0" and notice.status == NotificationStatus.SENT
    assert mail.outbox[0].metadata == {"notification": str(notice.uuid)}


def test_it_shows_staff_a_bounce_that_quotes_the_address_masked(client, case, officer):
    email = "zhangsan@example.com"
    notice = sent_notice(case, officer, Channel.EMAIL, "<20260302.9@mg.bank.example>")
    payload = mailgun_payload(
        "failed", "20260302.9@mg.bank.example", severity="permanent", reason="bounce",
        **{"delivery-status": {"code": 550, "message": f"5.1.1 <{email}>: Recipient address rejected",
                               "description": f"Mailbox {email.upper()} does not exist"}},
    )
    assert post_mailgun(client, payload).status_code == 200

    event = notice.events.get(kind="provider:bounced")
    task = StaffTask.objects.get(notification=notice)
    assert "Recipient address rejected" in event.detail and "z*******@example.com" in event.detail
    assert email not in event.detail.lower()
    assert task.kind == StaffTask.Kind.VERIFY_CONTACT
    assert "z*******@example.com" in task.detail and email not in task.detail
