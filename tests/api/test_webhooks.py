"""Events out: each change of state and each notice outcome reaches every
subscribed system of the case's branch, signed, once it answers 2xx; a
receiver that is down is retried with back-off, and nothing is lost. A real
HTTP receiver on loopback stands in for the bank's system."""

import datetime
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from api import webhooks
from api.models import ApiClient, WebhookDelivery
from cases import services
from tests.api.conftest import new_client
from tests.base import make_case
from tests.notifications.helpers import send_due

pytestmark = pytest.mark.django_db


class Receiver:
    """Records what it is sent; answers `statuses` in turn, then 200."""

    def __init__(self):
        self.requests, self.statuses = [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/loanflow"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self):
        return [json.loads(body) for _headers, body in self.requests]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def deliver_all():
    for delivery in WebhookDelivery.objects.filter(status=WebhookDelivery.Status.QUEUED).order_by("id"):
        webhooks.send(delivery.pk)


def test_a_transition_reaches_every_subscriber_of_the_branch_signed(receiver, branch_a, branch_b, officer):
    los, _ = new_client(branch_a, webhook_url=receiver.url)
    hq, _ = new_client(None, name="HQ", webhook_url=receiver.url)
    new_client(branch_b, name="Other branch", webhook_url=receiver.url)
    new_client(branch_a, name="No webhook")
    case = make_case(branch_a, officer)
    services.case_transition(case=case, name="sign", actor=officer)

    deliveries = WebhookDelivery.objects.filter(event="case.transition")
    assert sorted(d.client.name for d in deliveries) == ["HQ", "LOS"]
    deliver_all()
    assert set(deliveries.values_list("status", flat=True)) == {WebhookDelivery.Status.DELIVERED}

    for headers, body in receiver.requests:
        # The receiver checks each request with its own secret.
        delivery = WebhookDelivery.objects.select_related("client").get(uuid=headers["Loanflow-Event-Id"])
        mac = hmac.new(delivery.client.webhook_secret.encode(), headers["Loanflow-Timestamp"].encode() + b"." + body,
                       hashlib.sha256)
        assert headers["Loanflow-Signature"] == f"sha256={mac.hexdigest()}"
    event = next(e for e in receiver.events() if e["event"] == "case.transition")
    assert event["data"]["case"] == case.number
    assert (event["data"]["transition"], event["data"]["from"], event["data"]["to"]) == ("sign", "submitted", "signed")
    assert los.webhook_secret != hq.webhook_secret


def test_notice_outcomes_are_events_too(receiver, branch_a, officer):
    new_client(branch_a, webhook_url=receiver.url)
    case = make_case(branch_a, officer)
    services.case_transition(case=case, name="sign", actor=officer)
    send_due()  # the borrower's email and SMS are delivered
    deliver_all()
    outcomes = [e["data"] for e in receiver.events() if e["event"] == "notice.outcome"]
    assert sorted((o["channel"], o["status"]) for o in outcomes) == [("email", "delivered"), ("sms", "delivered")]
    assert all(o["case"] == case.number and o["news"] == "sign" for o in outcomes)


def test_a_change_that_rolls_back_sends_nothing(receiver, branch_a, officer):
    new_client(branch_a, webhook_url=receiver.url)
    case = make_case(branch_a, officer)
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.case_transition(case=case, name="sign", actor=officer)
            raise RuntimeError("the caller's transaction fails")
    assert not WebhookDelivery.objects.exists()


def test_a_receiver_that_is_down_is_retried_until_it_answers(receiver, branch_a, officer):
    new_client(branch_a, webhook_url=receiver.url)
    case = make_case(branch_a, officer)
    services.case_transition(case=case, name="sign", actor=officer)
    delivery = WebhookDelivery.objects.get()
    receiver.statuses = [503, 500]
    assert webhooks.send(delivery.pk) == WebhookDelivery.Status.QUEUED
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and "HTTP 503" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()  # backed off
    assert webhooks.send(delivery.pk) is None  # not due yet: nothing sent
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert webhooks.send(delivery.pk) == WebhookDelivery.Status.QUEUED
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert webhooks.send(delivery.pk) == WebhookDelivery.Status.DELIVERED
    assert len(receiver.requests) == 3
    assert len({json.loads(b)["id"] for _h, b in receiver.requests}) == 1  # one event id: the receiver dedupes


def test_after_the_last_attempt_it_fails_and_a_person_can_send_it_again(receiver, branch_a, officer, settings):
    new_client(branch_a, webhook_url=receiver.url)
    case = make_case(branch_a, officer)
    services.case_transition(case=case, name="sign", actor=officer)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=webhooks.MAX_ATTEMPTS - 1)
    receiver.statuses = [500]
    assert webhooks.send(delivery.pk) == WebhookDelivery.Status.FAILED
    assert webhooks.send_again([delivery.pk]) == 1
    assert webhooks.send(delivery.pk) == WebhookDelivery.Status.DELIVERED


def test_the_sweeper_frees_a_dead_workers_claim(receiver, branch_a, officer):
    new_client(branch_a, webhook_url=receiver.url)
    case = make_case(branch_a, officer)
    services.case_transition(case=case, name="sign", actor=officer)
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    WebhookDelivery.objects.update(status=WebhookDelivery.Status.SENDING, claimed_at=long_ago, attempts=1)
    assert webhooks.sweep()["stale_claims"] == 1
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())  # past its back-off
    deliver_all()
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.DELIVERED


def test_a_client_without_a_secret_is_never_sent_an_unsigned_event(receiver, branch_a, officer):
    client, _ = new_client(branch_a, webhook_url=receiver.url)
    assert client.webhook_secret  # made with the URL
    ApiClient.objects.filter(pk=client.pk).update(webhook_secret="")
    case = make_case(branch_a, officer)
    services.case_transition(case=case, name="sign", actor=officer)
    deliver_all()
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.FAILED
    assert receiver.requests == []


def test_a_receiver_that_never_answers_uses_up_attempts_with_back_off(receiver, branch_a, officer):
    new_client(branch_a, webhook_url=receiver.url)
    case = make_case(branch_a, officer)
    services.case_transition(case=case, name="sign", actor=officer)
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    WebhookDelivery.objects.update(status=WebhookDelivery.Status.SENDING, claimed_at=long_ago,
                                   attempts=webhooks.MAX_ATTEMPTS)
    webhooks.sweep()
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.FAILED  # not retried forever
