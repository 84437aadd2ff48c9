"""Sent once, as far as a provider allows.

- An ESP with idempotency keys gets the notice's UUID where it reads one
  (Resend: an HTTP header; Brevo: its "headers" field); the SMS gateway gets
  it as a header. A dead worker's claim is sent again at once, under the key.
- An ESP without (Postmark, Mailgun, SES): a dead worker's claim is held as
  uncertain until the tracking webhook finishes it, or the grace passes.
- A database blip after the provider accepted a message is written again on
  a fresh connection; if it outlasts the retries the claim is held as
  uncertain with the provider's id, never sent again blindly.
- Every send has a timeout below the claim timeout (a system check says so).
- The worker's systemd unit stops the cluster by its main process, which
  lets the sends in flight finish (a real cluster, PostgreSQL).
- Two clusters on the Redis broker, one SIGKILLed mid-dispatch: every
  notice reaches the borrower once (real processes, PostgreSQL and Redis).
"""

import base64
import configparser
import datetime
import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail import get_connection
from django.db import connection
from django_q.conf import Conf

from cases import services
from notifications import dispatch, outcomes
from notifications import services as notification_services
from notifications.channels import email, sms
from notifications.checks import check_send_timeouts
from notifications.models import Channel, Notification, NotificationStatus
from tests.base import MONDAY, make_case, requires_postgres
from tests.notifications.backends import Blip, Dying, WorkerKilled, blip_after_accepting
from tests.notifications.test_crash import calls, start_cluster, stop, wait_for

SECRET = "webhookuser:webhookpass"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}
KEYLESS_DYING = "tests.notifications.backends.DyingEmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class FakeProvider:
    """An HTTP API on 127.0.0.1 that records each request and answers
    `answer` (JSON) after `delay` seconds: an ESP or the SMS gateway."""

    def __init__(self, answer, delay=0.0):
        self.requests, self.answer, self.delay = [], answer, delay
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                provider.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
                time.sleep(provider.delay)
                data = json.dumps(provider.answer).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (its timeout)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def resend(settings):
    provider = FakeProvider({"id": "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"})
    settings.EMAIL_BACKEND = "notifications.channels.esp.ResendEmailBackend"
    settings.ANYMAIL = {"RESEND_API_KEY": "re_test", "RESEND_API_URL": provider.url}
    yield provider
    provider.close()


def signed(case, officer, channel):
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    return Notification.objects.get(case=case, channel=channel)


def kinds(notice):
    return [event.kind for event in notice.events.order_by("created_at", "pk")]


def later(seconds):
    return time_machine.travel(MONDAY + datetime.timedelta(seconds=seconds), tick=False)


def postmark_delivery(message_id, notification_uuid=None):
    return {
        "RecordType": "Delivery", "ServerID": 23, "MessageStream": "outbound", "MessageID": message_id,
        "Recipient": "zhangsan@example.com", "Tag": "", "DeliveredAt": "2026-03-02T02:33:54Z", "Details": "",
        "Metadata": {"notification": str(notification_uuid)} if notification_uuid else {},
    }


def post_postmark(client, payload):
    return client.post(
        "/notifications/email/postmark/tracking/", data=json.dumps(payload), content_type="application/json", **AUTH
    )


# --- (a) The ESP's own idempotency, where it has one -----------------------------------


def test_resend_gets_the_notices_uuid_as_its_idempotency_key_http_header(case, officer, resend):
    notice = signed(case, officer, Channel.EMAIL)
    assert dispatch.send(notice.pk) == NotificationStatus.DELIVERED

    [request] = resend.requests
    assert request["headers"]["Idempotency-Key"] == str(notice.uuid)
    # Not as an email header in the body, where Resend never looks for it.
    assert "Idempotency-Key" not in request["body"].get("headers", {})
    notice.refresh_from_db()
    assert notice.provider_message_id == "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"


def test_brevo_gets_it_in_the_field_brevo_reads(case, officer, settings):
    provider = FakeProvider({"messageId": "<202603020233.1@smtp-relay.mailin.fr>"})
    settings.EMAIL_BACKEND = "notifications.channels.esp.BrevoEmailBackend"
    settings.ANYMAIL = {"BREVO_API_KEY": "xkeysib-test", "BREVO_API_URL": provider.url}
    try:
        notice = signed(case, officer, Channel.EMAIL)
        assert dispatch.send(notice.pk) == NotificationStatus.DELIVERED
    finally:
        provider.close()
    [request] = provider.requests
    assert request["body"]["headers"]["idempotencyKey"] == str(notice.uuid)


def test_the_sms_gateway_gets_the_key_as_a_header(case, officer, settings):
    provider = FakeProvider({"message_id": "gw-1"})
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.HttpSmsBackend"
    settings.NOTIFICATIONS_SMS_GATEWAY_URL = provider.url
    try:
        notice = signed(case, officer, Channel.SMS)
        assert dispatch.send(notice.pk) == NotificationStatus.SENT
    finally:
        provider.close()
    [request] = provider.requests
    assert request["headers"]["Idempotency-Key"] == request["body"]["reference"] == str(notice.uuid)


def test_which_providers_drop_a_repeat_by_key(settings):
    for backend, keyed in [
        ("notifications.channels.esp.ResendEmailBackend", True),
        ("notifications.channels.esp.BrevoEmailBackend", True),
        ("anymail.backends.resend.EmailBackend", False),  # anymail's own: the key stays in the body
        ("anymail.backends.postmark.EmailBackend", False),
        ("anymail.backends.mailgun.EmailBackend", False),
        ("django.core.mail.backends.smtp.EmailBackend", False),
    ]:
        settings.EMAIL_BACKEND = backend
        assert email.EmailChannel.idempotent() is keyed, backend
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.HttpSmsBackend"
    assert sms.SmsChannel.idempotent()


def test_a_keyed_esps_dead_claim_is_sent_again_at_once_under_the_same_key(case, officer, resend, q_sync):
    notice = signed(case, officer, Channel.EMAIL)
    with later(0):
        dispatch.send(notice.pk)
    # The worker died before writing the outcome: the claim is left behind.
    Notification.objects.filter(pk=notice.pk).update(status=NotificationStatus.SENDING, claimed_at=MONDAY)

    with later(91):
        assert dispatch.sweep()["stale_claims"] == 1

    assert Notification.objects.get(pk=notice.pk).status == NotificationStatus.DELIVERED
    assert [r["headers"]["Idempotency-Key"] for r in resend.requests] == [str(notice.uuid)] * 2  # Resend drops one


# --- (a) An ESP without: a dead claim is uncertain until the webhook or the grace ------


@pytest.fixture
def keyless(settings):
    """Postmark-like: no idempotency key, delivery reported by webhooks."""
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    settings.NOTIFICATIONS_EMAIL_TRACKED = True
    settings.NOTIFICATIONS_UNCERTAIN_GRACE = 900
    settings.EMAIL_BACKEND = KEYLESS_DYING


def killed_while_sending(notice, settings, *, accepted):
    Dying.accepted = accepted
    with later(0), pytest.raises(WorkerKilled):
        dispatch.send(notice.pk)
    settings.EMAIL_BACKEND = LOCMEM  # the next worker lives
    assert Notification.objects.get(pk=notice.pk).status == NotificationStatus.SENDING
    assert len(mail.outbox) == (1 if accepted else 0)


def test_killed_after_the_esp_accepted_the_webhook_finishes_it_and_it_is_not_sent_again(
    case, officer, settings, keyless, client, q_sync
):
    notice = signed(case, officer, Channel.EMAIL)
    killed_while_sending(notice, settings, accepted=True)

    with later(30):
        assert dispatch.sweep()["uncertain"] == 0  # could still be a live send
    with later(91):
        assert dispatch.sweep() == {"requeued": 0, "stale_claims": 0, "uncertain": 1, "reported": 0}
    notice.refresh_from_db()
    assert notice.status == NotificationStatus.SENDING and notice.uncertain_since is not None

    # Postmark's delivery webhook: the worker never learnt the ESP's id, the
    # metadata names the notice.
    with later(120):
        assert post_postmark(client, postmark_delivery("883953f4-6105", notice.uuid)).status_code == 200
    with later(91 + 900 + 60):
        assert dispatch.sweep()["stale_claims"] == 0

    notice.refresh_from_db()
    assert notice.status == NotificationStatus.DELIVERED and notice.sent_at == MONDAY
    assert notice.claimed_at is None and notice.uncertain_since is None  # no longer shown as held
    assert len(mail.outbox) == 1
    assert kinds(notice) == ["sending", "uncertain", "provider:delivered"]


def test_killed_before_the_esp_had_it_it_is_sent_again_after_the_grace_exactly_once(
    case, officer, settings, keyless, q_sync
):
    notice = signed(case, officer, Channel.EMAIL)
    killed_while_sending(notice, settings, accepted=False)

    with later(91):
        assert dispatch.sweep()["uncertain"] == 1
    with later(91 + 899):
        assert dispatch.sweep()["stale_claims"] == 0  # still within the grace
    assert len(mail.outbox) == 0
    with later(91 + 901):
        assert dispatch.sweep()["stale_claims"] == 1

    notice.refresh_from_db()
    assert notice.status == NotificationStatus.SENT and notice.attempts == 2  # the webhook tells delivery
    assert len(mail.outbox) == 1
    assert kinds(notice) == ["sending", "uncertain", "uncertain_expired", "sending", "sent"]


def test_any_report_from_the_esp_during_the_grace_means_it_has_the_message(case, officer, settings, keyless, q_sync):
    notice = signed(case, officer, Channel.EMAIL)
    killed_while_sending(notice, settings, accepted=True)
    with later(91):
        dispatch.sweep()
    with later(100):  # "deferred": the ESP has it, the mailbox is slow
        assert outcomes.provider_event_record(
            message_id=None, event_id="postmark:1", kind="deferred", notification_uuid=str(notice.uuid)
        ) == "recorded"
    with later(91 + 901):
        assert dispatch.sweep()["reported"] == 1

    notice.refresh_from_db()
    assert notice.status == NotificationStatus.SENT and len(mail.outbox) == 1


def test_a_bounce_report_ends_an_uncertain_claim_as_bounced(case, officer, settings, keyless, q_sync):
    notice = signed(case, officer, Channel.EMAIL)
    killed_while_sending(notice, settings, accepted=True)
    with later(91):
        dispatch.sweep()
    with later(100):
        outcomes.provider_event_record(message_id=None, event_id="postmark:2", kind="bounced",
                                       reject_reason="bounced", notification_uuid=str(notice.uuid))
    with later(91 + 901):
        dispatch.sweep()
    notice.refresh_from_db()
    assert notice.status == NotificationStatus.BOUNCED and len(mail.outbox) == 1


# --- (b) A database blip after the provider said yes ------------------------------------


@pytest.fixture
def blip(settings, monkeypatch):
    settings.EMAIL_BACKEND = "tests.notifications.backends.BlipEmailBackend"
    monkeypatch.setattr(dispatch, "OUTCOME_RETRY_PAUSES", (0.05, 0.05, 0.05))
    Blip.failures = Blip.armed = 0
    with connection.execute_wrapper(blip_after_accepting):
        yield Blip
    Blip.failures = Blip.armed = 0


@pytest.mark.django_db(transaction=True)
def test_a_blip_after_the_esp_accepted_is_written_on_a_fresh_connection(case, officer, blip):
    notice = signed(case, officer, Channel.EMAIL)
    blip.failures = 2
    with later(0):
        assert dispatch.send(notice.pk) == NotificationStatus.DELIVERED
    with later(91 + 3600):
        assert dispatch.sweep()["stale_claims"] == dispatch.sweep()["uncertain"] == 0

    notice.refresh_from_db()
    assert notice.provider_message_id == f"esp-{notice.uuid}"
    assert kinds(notice) == ["sending", "delivered"] and len(mail.outbox) == 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_restart_after_the_esp_accepted_is_survived_on_a_new_session(case, officer, settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.DatabaseRestartEmailBackend"
    notice = signed(case, officer, Channel.EMAIL)
    with later(0):
        assert dispatch.send(notice.pk) == NotificationStatus.DELIVERED
    notice.refresh_from_db()
    assert notice.provider_message_id == f"esp-{notice.uuid}" and len(mail.outbox) == 1
    assert kinds(notice) == ["sending", "delivered"]


@pytest.mark.django_db(transaction=True)
def test_a_blip_outlasting_the_retries_holds_the_claim_with_the_esps_id(
    case, officer, blip, settings, client
):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    notice = signed(case, officer, Channel.EMAIL)
    blip.failures = 4  # the write and its three retries
    with later(0):
        assert dispatch.send(notice.pk) is None

    notice.refresh_from_db()
    assert notice.status == NotificationStatus.SENDING and notice.uncertain_since == MONDAY
    assert notice.provider_message_id == f"esp-{notice.uuid}"
    with later(91):
        assert dispatch.sweep()["stale_claims"] == 0  # held, not sent again
    with later(200):  # the webhook finds it by the ESP's id
        assert post_postmark(client, postmark_delivery(f"esp-{notice.uuid}")).status_code == 200
    with later(91 + 901):
        dispatch.sweep()
    notice.refresh_from_db()
    assert notice.status == NotificationStatus.DELIVERED and len(mail.outbox) == 1
    assert kinds(notice) == ["sending", "uncertain", "provider:delivered"]


@pytest.mark.django_db(transaction=True)
def test_when_nothing_can_be_written_the_log_keeps_the_esps_id_and_the_claim_is_held(
    case, officer, blip, settings, caplog
):
    notice = signed(case, officer, Channel.EMAIL)
    blip.failures = 99
    with later(0):
        assert dispatch.send(notice.pk) is None
    blip.failures = blip.armed = 0
    assert f"message id esp-{notice.uuid}" in caplog.text

    with later(91):
        assert dispatch.sweep()["uncertain"] == 1  # the locmem ESP takes no key: held
    assert Notification.objects.get(pk=notice.pk).status == NotificationStatus.SENDING
    assert len(mail.outbox) == 1


# --- (c) Send timeouts below the claim timeout ------------------------------------------


def w006(settings):
    return [problem for problem in check_send_timeouts(None) if problem.id == "notifications.W006"]


def test_the_default_send_timeouts_are_below_the_claim_timeout(settings):
    assert w006(settings) == []
    assert settings.EMAIL_TIMEOUT < 90 and settings.ANYMAIL["REQUESTS_TIMEOUT"] < 90
    assert get_connection("django.core.mail.backends.smtp.EmailBackend").timeout == settings.EMAIL_TIMEOUT
    settings.ANYMAIL = {**settings.ANYMAIL, "RESEND_API_KEY": "re_test"}
    assert get_connection("notifications.channels.esp.ResendEmailBackend").timeout == settings.ANYMAIL["REQUESTS_TIMEOUT"]


@pytest.mark.parametrize(
    "name, value",
    [("EMAIL_TIMEOUT", None), ("EMAIL_TIMEOUT", 90), ("ANYMAIL", {"REQUESTS_TIMEOUT": (10, 85)}),
     ("ANYMAIL", {}), ("NOTIFICATIONS_SMS_GATEWAY_TIMEOUT", 120),
     # Below the claim, but the task is killed at 60 s while the outcome is written.
     ("EMAIL_TIMEOUT", 55)],
)
def test_a_send_timeout_not_below_the_claim_timeout_is_warned_about(settings, name, value):
    setattr(settings, name, value)  # ANYMAIL without one: anymail's default, 30 s
    settings.NOTIFICATIONS_CLAIM_TIMEOUT = 35 if value == {} else 90
    assert len(w006(settings)) == 1


def test_anymails_own_resend_backend_is_warned_about(settings):
    settings.EMAIL_BACKEND = "anymail.backends.resend.EmailBackend"
    assert "notifications.W007" in [problem.id for problem in check_send_timeouts(None)]


def test_a_hung_esp_is_given_up_on_within_the_timeout_and_tried_again_later(case, officer, resend, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "REQUESTS_TIMEOUT": 0.5}
    resend.delay = 3
    notice = signed(case, officer, Channel.EMAIL)
    started = time.monotonic()
    assert dispatch.send(notice.pk) == NotificationStatus.QUEUED  # retryable: backoff
    assert time.monotonic() - started < 2.5
    notice.refresh_from_db()
    assert "Timeout" in notice.last_error or "timed out" in notice.last_error


# --- (d) Stopping the worker: SIGTERM to the main process only ---------------------------


def test_the_worker_unit_signals_the_main_process_only_and_outwaits_a_task():
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(Path(django_settings.BASE_DIR) / "deploy" / "systemd" / "loanflow-worker.service")
    service = parser["Service"]
    assert service["ExecStart"].endswith("manage.py qcluster")
    assert service["KillMode"] == "mixed" and service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) > django_settings.Q_CLUSTER["timeout"]


def seeded(branch, officer, cases):
    with notification_services.dispatch_suppressed():
        for _ in range(cases):
            services.case_transition(name="sign", case=make_case(branch, officer), actor=officer, at=MONDAY)
    return Notification.objects.exclude(channel=Channel.STATUS_PAGE)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_sigterm_to_the_clusters_main_process_lets_the_sends_in_flight_finish(branch_a, officer, tmp_path):
    outbound = seeded(branch_a, officer, 10)
    notification_services.queue(list(outbound.values_list("pk", flat=True)))  # the ORM broker
    cluster = start_cluster(tmp_path, NOTIFICATIONS_RECORD_DELAY="1", Q_WORKERS="2")
    try:
        def sending():
            connection.close()
            return outbound.filter(status=NotificationStatus.SENDING).exists()

        wait_for(sending, 120, "a send in flight")
        stopped = time.monotonic()
        os.kill(cluster.pid, signal.SIGTERM)  # what KillMode=mixed does
        cluster.wait(timeout=30)
        took = time.monotonic() - stopped
    finally:
        if cluster.poll() is None:
            stop(cluster, signal.SIGKILL)
    connection.close()
    assert took < 15, (tmp_path / "cluster.log").read_text()[-3000:]
    # The sends in flight finished and were recorded: nothing is left
    # `sending`, to be sent again by the sweeper.
    assert not outbound.filter(status=NotificationStatus.SENDING).exists()
    sent = calls(tmp_path)
    assert sent and len(sent) == len(set(sent))
    assert set(sent) == {str(u) for u in outbound.filter(status=NotificationStatus.DELIVERED).values_list("uuid", flat=True)}


# --- (e) Two clusters on Redis, one killed mid-dispatch -------------------------------------

REDIS_URL = "redis://127.0.0.1:6379/3"
KEYLESS = {
    "EMAIL_BACKEND": "notifications.channels.recording.KeylessRecordingEmailBackend",
    "NOTIFICATIONS_RECORD_DELAY": "0.02",
    "Q_WORKERS": "2",
}


@pytest.fixture
def redis_broker(monkeypatch):
    client = redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"needs Redis at {REDIS_URL}")
    client.flushdb()
    # This process queues (services.queue) into the clusters' broker.
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", REDIS_URL)
    yield client
    client.flushdb()


def webhook_events(record_dir):
    path = record_dir / "events.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_clusters_on_redis_one_killed_mid_send_every_notice_reaches_the_borrower_once(
    branch_a, officer, tmp_path, settings, client, redis_broker
):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    # The sweeper runs in this process, with the clusters' providers.
    settings.EMAIL_BACKEND = KEYLESS["EMAIL_BACKEND"]
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.FileSmsBackend"
    settings.NOTIFICATIONS_CLAIM_TIMEOUT = 2
    settings.NOTIFICATIONS_UNCERTAIN_GRACE = 8
    outbound = seeded(branch_a, officer, 30)
    ids = list(outbound.values_list("pk", flat=True))
    notification_services.queue(ids)  # into Redis, as the on_commit hook does

    # The cluster to be killed stops two of its sends for good: one before
    # the ESP has it, one after the ESP accepted it (and will report it).
    victim = start_cluster(tmp_path, REDIS_URL, NOTIFICATIONS_RECORD_HANG="before,after", **KEYLESS)
    survivor = None
    try:
        wait_for(lambda: (tmp_path / "hang-before").exists() and (tmp_path / "hang-after").exists(), 120,
                 "the victim's two sends to stop mid-way")
        survivor = start_cluster(tmp_path, REDIS_URL, **KEYLESS)
        time.sleep(1)
        stop(victim, signal.SIGKILL)  # its claims stay `sending`; the tasks it had pulled are lost
        before = (tmp_path / "hang-before").read_text()
        after = (tmp_path / "hang-after").read_text()

        def settled():
            connection.close()
            return not outbound.exclude(status=NotificationStatus.DELIVERED).exclude(uuid__in=[before, after]).exists()

        # The scheduled sweeper, every few seconds here: it queues what the
        # dead cluster had pulled, and holds its two claims as uncertain.
        deadline = time.monotonic() + 180
        while not settled() and time.monotonic() < deadline:
            dispatch.sweep(grace=0)
            time.sleep(2)
        assert settled(), (tmp_path / "cluster.log").read_text()[-3000:]
        held = Notification.objects.filter(uuid__in=[before, after], uncertain_since__isnull=False)
        wait_for(lambda: dispatch.sweep(grace=0) and held.count() == 2, 30, "the dead claims to be held")
        assert set(held.values_list("status", flat=True)) == {NotificationStatus.SENDING}
        assert [event["key"] for event in webhook_events(tmp_path)].count(after) == 1
        assert before not in calls(tmp_path)  # the ESP never had it

        # The ESP's delivery webhooks arrive (for every message it accepted).
        for event in webhook_events(tmp_path):
            response = post_postmark(client, postmark_delivery(event["message_id"], event["key"]))
            assert response.status_code == 200
        assert Notification.objects.get(uuid=after).status == NotificationStatus.DELIVERED

        # No word of the other: after the grace it is sent again.
        time.sleep(settings.NOTIFICATIONS_UNCERTAIN_GRACE + 0.5)

        def all_delivered():
            connection.close()
            return not outbound.exclude(status=NotificationStatus.DELIVERED).exists()

        deadline = time.monotonic() + 60
        while not all_delivered() and time.monotonic() < deadline:
            dispatch.sweep(grace=0)
            time.sleep(1)
        assert all_delivered(), (tmp_path / "cluster.log").read_text()[-3000:]
    finally:
        for cluster in (victim, survivor):
            if cluster is not None and cluster.poll() is None:
                stop(cluster, signal.SIGKILL)
    connection.close()

    email_keys = {str(u) for u in outbound.filter(channel=Channel.EMAIL).values_list("uuid", flat=True)}
    sent_email = [key for key in calls(tmp_path) if key in email_keys]
    # The ESP has no idempotency: every call is an email in the inbox. Each
    # notice's exactly once.
    assert sorted(sent_email) == sorted(email_keys)
    assert not (tmp_path / "duplicates.log").exists()
    # SMS: the gateway drops a repeat by key; each is accepted once.
    assert sorted(os.listdir(tmp_path / "accepted")) == sorted(str(u) for u in outbound.values_list("uuid", flat=True))
    assert kinds(Notification.objects.get(uuid=after)).count("sending") == 1  # never sent again
    assert kinds(Notification.objects.get(uuid=before))[-4:] == ["uncertain", "uncertain_expired", "sending", "delivered"]
