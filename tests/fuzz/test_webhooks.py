"""The providers' webhooks (Mailgun and Postmark tracking, signed SMS
receipts): properly authenticated requests with fuzzed bodies (malformed
JSON, non-dict metadata, wrong types, oversized bodies), unauthenticated
ones, and unconfigured providers. A malformed payload is a 400 and writes
nothing; an event about an unknown message is acknowledged and writes nothing
but its log line; nothing is ever a 500."""

import base64
import hashlib
import hmac
import itertools
import json
import time

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from notifications.models import Channel, Notification, NotificationStatus
from notifications.webhooks import sign_sms_receipt
from tests.fuzz.conftest import FUZZ, text
from tests.fuzz.registry import covers

pytestmark = pytest.mark.django_db

SECRET = "webhookuser:webhookpass"
MAILGUN_KEY = "mailgun-signing-key"
SMS_SECRET = "sms-receipt-secret"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}
MAILGUN_URL = "/notifications/email/mailgun/tracking/"
POSTMARK_URL = "/notifications/email/postmark/tracking/"
SMS_URL = "/notifications/sms/receipts/"
MESSAGE_ID = "20260302.1@mg.bank.example"

_tokens = itertools.count()

# Any JSON value, shallow: the payloads' fields get the wrong type this way.
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), text)
json_value = st.recursive(json_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                               st.dictionaries(text, inner, max_size=3)), max_leaves=6)
broken_bodies = st.sampled_from([
    b"{not json", b"", b"null", b"[]", b'"x"', b"1", b"{", b'{"signature": ', "\ufeff{}".encode(), b"\xff\xfe\x00",
    b'{"a": NaN}', b'{"a": 1e999}', b"[" * 5000, b'{"Metadata": "x"}',
])


@pytest.fixture
def providers(settings, world):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}
    settings.NOTIFICATIONS_EMAIL_TRACKED = True
    settings.NOTIFICATIONS_SMS_WEBHOOK_SECRET = SMS_SECRET
    # A sent email and a sent SMS the events can be about.
    case = world["case"]
    for channel, provider_id in ((Channel.EMAIL, f"<{MESSAGE_ID}>"), (Channel.SMS, "sms-1")):
        Notification.objects.create(
            case=case, key="sign", channel=channel, recipient="x", status=NotificationStatus.SENT,
            created_at=case.entered_state_at, provider_message_id=provider_id,
        )
    return world


def notices():
    return list(Notification.objects.order_by("pk").values())


def mailgun_body(event_data):
    timestamp, token = str(int(time.time())), f"token-{next(_tokens):012d}-{time.time_ns()}"
    signature = hmac.new(MAILGUN_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return json.dumps({"signature": {"timestamp": timestamp, "token": token, "signature": signature},
                       "event-data": event_data}).encode()


mailgun_event = st.fixed_dictionaries(
    {},
    optional={
        "event": st.one_of(st.sampled_from(["delivered", "failed", "opened", "clicked", "accepted", "rejected",
                                            "complained", "unsubscribed", "stored"]), json_value),
        "timestamp": st.one_of(st.floats(allow_nan=False, allow_infinity=False), json_value),
        "id": json_value,
        "recipient": json_value,
        "severity": st.one_of(st.sampled_from(["permanent", "temporary"]), json_value),
        "reason": json_value,
        "message": st.one_of(st.just({"headers": {"message-id": MESSAGE_ID}}),
                             st.fixed_dictionaries({"headers": st.dictionaries(st.just("message-id"), json_value)}),
                             json_value),
        "delivery-status": st.one_of(st.fixed_dictionaries({"code": json_value, "message": json_value}), json_value),
        "user-variables": st.one_of(st.just("x"), st.just({"notification": "x"}), json_value),
        "tags": json_value,
    },
)


@covers("notifications:mailgun_tracking")
def test_mailgun_tracking_never_answers_500(providers, check):
    client = Client()

    @FUZZ
    @given(body=st.one_of(mailgun_event.map(mailgun_body), json_value.map(mailgun_body), broken_bodies),
           authed=st.booleans())
    def run(body, authed):
        headers = AUTH if authed else {}
        check(lambda: client.post(MAILGUN_URL, data=body, content_type="application/json", **headers),
              extra_state=notices)

    run()


postmark_event = st.fixed_dictionaries(
    {"RecordType": st.one_of(st.sampled_from(["Delivery", "Bounce", "SpamComplaint", "Open", "Click",
                                              "SubscriptionChange", "Nonsense"]), json_value)},
    optional={
        "MessageID": st.one_of(st.just("883953f4-6105-42a2-a16a-77a8eac79483"), json_value),
        "Recipient": json_value, "Email": json_value,
        "DeliveredAt": st.one_of(st.just("2026-03-02T02:33:54.9070259Z"), json_value),
        "BouncedAt": st.one_of(st.just("2026-03-02T02:40:00Z"), st.just("yesterday"), json_value),
        "ReceivedAt": json_value,
        "Type": st.one_of(st.sampled_from(["HardBounce", "SoftBounce", "Transient"]), json_value),
        "TypeCode": json_value, "ID": json_value, "Details": json_value, "Description": json_value,
        "Metadata": st.one_of(st.just("x"), st.just(["x"]), st.just({"notification": 5}), json_value),
        "Tag": json_value, "Inactive": json_value, "MessageStream": json_value,
    },
)


@covers("notifications:tracking")
def test_postmark_tracking_never_answers_500(providers, check):
    client = Client()

    @FUZZ
    @given(body=st.one_of(postmark_event.map(lambda e: json.dumps(e).encode()),
                          json_value.map(lambda e: json.dumps(e).encode()), broken_bodies),
           authed=st.booleans())
    def run(body, authed):
        headers = AUTH if authed else {}
        check(lambda: client.post(POSTMARK_URL, data=body, content_type="application/json", **headers),
              extra_state=notices)

    run()


resend_or_brevo_event = st.one_of(
    st.fixed_dictionaries({}, optional={
        "type": st.one_of(st.sampled_from(["email.delivered", "email.bounced", "email.sent"]), json_value),
        "created_at": json_value, "data": st.one_of(st.fixed_dictionaries({}, optional={
            "email_id": json_value, "headers": json_value, "bounce": json_value, "to": json_value}), json_value),
    }),
    st.fixed_dictionaries({}, optional={
        "event": st.one_of(st.sampled_from(["delivered", "hard_bounce", "request"]), json_value),
        "message-id": json_value, "ts_epoch": json_value, "X-Mailin-custom": json_value, "tags": json_value,
        "email": json_value,
    }),
)


@pytest.mark.parametrize("esp", ["resend", "brevo", "sendgrid"])
def test_resend_and_brevo_tracking_never_answer_500(providers, check, esp):
    client = Client()
    url = f"/notifications/email/{esp}/tracking/"

    @FUZZ
    @given(body=st.one_of(resend_or_brevo_event.map(lambda e: json.dumps(e).encode()), broken_bodies),
           authed=st.booleans())
    def run(body, authed):
        headers = AUTH if authed else {}
        check(lambda: client.post(url, data=body, content_type="application/json", **headers), extra_state=notices)

    run()


sms_receipt = st.fixed_dictionaries(
    {},
    optional={
        "event_id": json_value, "message_id": st.one_of(st.just("sms-1"), json_value),
        "status": st.one_of(st.sampled_from(["delivered", "failed", "expired", "undeliverable", "invalid_number",
                                             "sent", "accepted", "unknown"]), json_value),
        "error": json_value,
    },
)


@covers("notifications:sms_receipt")
def test_sms_receipts_never_answer_500(providers, check):
    client = Client()

    @FUZZ
    @given(body=st.one_of(sms_receipt.map(lambda e: json.dumps(e).encode()), broken_bodies),
           timestamp=st.one_of(st.none(), st.sampled_from(["", "abc", "1e3", "-1", "9" * 30, "١٢٣"]), text),
           signed=st.booleans(), method=st.sampled_from(["post", "get", "put"]))
    def run(body, timestamp, signed, method):
        stamp = str(int(time.time())) if timestamp is None else timestamp
        headers = {"HTTP_X_LOANFLOW_TIMESTAMP": stamp.encode("utf-8").decode("latin-1"),
                   "HTTP_X_LOANFLOW_SIGNATURE": sign_sms_receipt(SMS_SECRET, stamp, body) if signed else "0" * 64}
        if method == "get":
            check(lambda: client.get(SMS_URL, **headers), extra_state=notices)
        else:
            send = getattr(client, method)
            check(lambda: send(SMS_URL, data=body, content_type="application/json", **headers), extra_state=notices)

    run()


@pytest.mark.parametrize("url", [MAILGUN_URL, POSTMARK_URL, SMS_URL])
@pytest.mark.parametrize("body", [b"{not json", b'{"Metadata": "x", "RecordType": "Delivery"}', b"[]"])
def test_an_unconfigured_provider_is_a_4xx_and_writes_nothing(client, providers, settings, check, url, body):
    settings.ANYMAIL = {}
    settings.NOTIFICATIONS_SMS_WEBHOOK_SECRET = ""
    response = check(lambda: client.post(url, data=body, content_type="application/json", **AUTH),
                     extra_state=notices)
    assert response.status_code == (403 if url == SMS_URL else 404)


@pytest.mark.parametrize("url", [MAILGUN_URL, POSTMARK_URL, SMS_URL])
def test_an_oversized_body_is_a_4xx_and_writes_nothing(client, providers, check, url):
    huge = json.dumps({"RecordType": "Delivery", "Details": "x" * (3 * 1024 * 1024)}).encode()
    response = check(lambda: client.post(url, data=huge, content_type="application/json", **AUTH),
                     extra_state=notices)
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("metadata", ["x", ["x"], 5, None, {"notification": ["x"]}, {"notification": "not-a-uuid"}])
def test_postmark_metadata_of_the_wrong_type_is_refused_or_ignored_never_a_500(client, providers, check, metadata):
    body = json.dumps({"RecordType": "Delivery", "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
                       "DeliveredAt": "2026-03-02T02:33:54Z", "Recipient": "a@example.com", "Metadata": metadata})
    response = check(lambda: client.post(POSTMARK_URL, data=body, content_type="application/json", **AUTH),
                     extra_state=notices)
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("body", [b"{not json", b'{"signature": "x", "event-data": {}}', b"[]", b'{"signature": {}}'])
def test_malformed_mailgun_payloads_are_a_400(client, providers, check, body):
    response = check(lambda: client.post(MAILGUN_URL, data=body, content_type="application/json", **AUTH),
                     extra_state=notices)
    assert response.status_code == 400


def test_a_signed_mailgun_event_with_malformed_event_data_is_a_400(client, providers, check):
    for event_data in ("x", [], {"event": "delivered", "message": "x"}, {"event": "delivered", "timestamp": "soon"},
                       {"event": ["delivered"], "message": {"headers": {"message-id": MESSAGE_ID}}}):
        body = mailgun_body(event_data)
        response = check(lambda body=body: client.post(MAILGUN_URL, data=body, content_type="application/json",
                                                       **AUTH), extra_state=notices)
        assert response.status_code in (200, 400), (event_data, response.status_code)

