"""POSTing events to the clients' webhook URLs, with the borrowers' notices'
discipline: claim the row, send, record the outcome only while the claim is
ours; back off with jitter on failure; a sweeper re-queues what a dead
worker held; after MAX_ATTEMPTS the delivery fails and waits for a person
(the admin's "send again"). Nothing is lost; the receiver dedupes on the
event id (a delivery whose answer was lost is sent again).

Each request is signed: Loanflow-Signature is "sha256=" and the hex
HMAC-SHA256, with the client's webhook secret, of the timestamp header, a
dot and the raw body. A receiver checks it and refuses old timestamps.
"""

import datetime
import hashlib
import hmac
import json
import logging

import requests
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django_q.tasks import async_task

from api.models import WebhookDelivery
from cases import sla
from notifications.dispatch import backoff

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = getattr(settings, "API_WEBHOOK_MAX_ATTEMPTS", 10)
TIMEOUT = getattr(settings, "API_WEBHOOK_TIMEOUT", 10)
# A claim older than this belongs to a dead worker (above the task timeout).
CLAIM_TIMEOUT = datetime.timedelta(seconds=90)
SWEEP_BATCH = 2000
SWEEP_GRACE = datetime.timedelta(seconds=30)


def due_date(due_at):
    return sla.due_date(due_at).isoformat() if due_at else None


def queue(ids):
    for pk in ids:
        async_task("api.tasks.deliver_webhook", pk, task_name=f"webhook-{pk}")


def body_of(delivery) -> bytes:
    return json.dumps(
        {"id": str(delivery.uuid), "event": delivery.event, "created_at": delivery.created_at.isoformat(),
         "data": delivery.payload},
        ensure_ascii=False, separators=(",", ":"),
    ).encode()


def signature(secret, timestamp, body) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def _due(now):
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def send(delivery_id):
    """Claim and POST one delivery. Returns its new status, or None if it
    was not ours (claimed elsewhere, done, not due)."""
    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.QUEUED).filter(_due(now))
        .update(status=WebhookDelivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("client").get(pk=delivery_id)
    client = delivery.client
    if not client.webhook_url or not client.webhook_secret or not client.is_active:
        # Never sent unsigned (an empty secret signs nothing), nor to a revoked client.
        return _finish(delivery, WebhookDelivery.Status.FAILED,
                       "the client has no webhook URL or secret, or was revoked")
    body = body_of(delivery)
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "loanflow-webhooks/1",
        "Loanflow-Event": delivery.event,
        "Loanflow-Event-Id": str(delivery.uuid),
        "Loanflow-Timestamp": timestamp,
        "Loanflow-Signature": signature(client.webhook_secret, timestamp, body),
    }
    try:
        response = requests.post(client.webhook_url, data=body, headers=headers, timeout=TIMEOUT,
                                 allow_redirects=False)
    except requests.RequestException as exc:
        return _failed(delivery, f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= response.status_code < 300:
        return _finish(delivery, WebhookDelivery.Status.DELIVERED, "")
    return _failed(delivery, f"HTTP {response.status_code}: {response.text[:200]}")


def _ours(delivery):
    return WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.SENDING,
                                          claimed_at=delivery.claimed_at)


def _finish(delivery, status, error):
    now = timezone.now()
    fields = {"status": status, "claimed_at": None, "last_error": error}
    if status == WebhookDelivery.Status.DELIVERED:
        fields["delivered_at"] = now
    return status if _ours(delivery).update(**fields) else None


def _failed(delivery, error):
    if delivery.attempts >= MAX_ATTEMPTS:
        logger.warning("Webhook %s to %s failed for good: %s", delivery.pk, delivery.client, error)
        return _finish(delivery, WebhookDelivery.Status.FAILED, error)
    changed = _ours(delivery).update(
        status=WebhookDelivery.Status.QUEUED, claimed_at=None, last_error=error,
        next_attempt_at=timezone.now() + backoff(delivery.attempts),
    )
    return WebhookDelivery.Status.QUEUED if changed else None


def sweep(now=None) -> dict:
    """Queue due deliveries again and free the claims of dead workers."""
    now = now or timezone.now()
    stale = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    freed = 0
    for delivery in stale.select_related("client")[:SWEEP_BATCH]:
        # A receiver that hangs past the task's timeout counts as a failed
        # attempt: back-off, and an end after MAX_ATTEMPTS.
        freed += _failed(delivery, "no answer before the worker's time ran out") is not None
    due = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.QUEUED, next_attempt_at__lte=now)
        # A fresh row was queued by its transaction's on_commit hook.
        .filter(Q(attempts__gt=0) | Q(next_attempt_at__lte=now - SWEEP_GRACE))
        .order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    queue(due)
    return {"queued": len(due), "stale_claims": freed}


def send_again(delivery_ids, now=None) -> int:
    """A person sends failed deliveries again (the admin): a fresh round."""
    now = now or timezone.now()
    changed = WebhookDelivery.objects.filter(pk__in=delivery_ids, status=WebhookDelivery.Status.FAILED).update(
        status=WebhookDelivery.Status.QUEUED, attempts=0, next_attempt_at=now, last_error=""
    )
    queue(delivery_ids)
    return changed
