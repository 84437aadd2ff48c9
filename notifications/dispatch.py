"""Sending queued notices: claim, send, record the outcome; and the sweeper.

The notification row is the source of truth, not the task queue (a Redis
broker loses tasks held by a killed cluster, an on_commit hook may never run,
django-q2 forgets max_attempts after a worker death). So:

- a worker claims a row with one conditional UPDATE (queued and due ->
  sending); only the claimer sends, with the row's UUID as idempotency key;
- the outcome is written only if the claim is still ours;
- backoff lives on the row (next_attempt_at), with jitter;
- the sweeper (every minute) queues rows that are due and gives rows whose
  claim outlived any possible live send back to the queue;
- while a channel's circuit is open (an outage, see circuit.py) its notices
  wait, and their news goes out on the borrower's next channel at once.
"""

import datetime
import logging
import random

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications import circuit
from notifications.channels import DeliveryError, channel_for
from notifications.conf import conf
from notifications.models import FAILOVER_ORDER, DeliveryEvent, Notification, NotificationStatus

logger = logging.getLogger(__name__)

SEND_TASK = "notifications.tasks.send_notification"


def queue(notification_ids):
    """Hand notices to django-q2. Losing this is harmless: the sweeper re-queues."""
    from django_q.tasks import async_task

    for pk in notification_ids:
        async_task(SEND_TASK, pk, q_options={"task_name": f"notice-{pk}"})


def backoff(attempts: int) -> datetime.timedelta:
    """Wait before attempt n+1: base * 2**(n-1), capped, with +/- jitter so a
    recovering provider is not hit by every retry at once."""
    seconds = min(conf.BACKOFF_BASE * 2 ** max(attempts - 1, 0), conf.BACKOFF_MAX)
    jitter = conf.BACKOFF_JITTER
    return datetime.timedelta(seconds=seconds * random.uniform(1 - jitter, 1 + jitter))


def send(notification_id):
    """Claim and send one notice. Returns its new status, or None if it was
    not ours to send (already claimed, finished, or not yet due)."""
    from notifications.services import final_bodies

    claim = timezone.now()
    channel = Notification.objects.filter(pk=notification_id).values_list("channel", flat=True).first()
    if channel in FAILOVER_ORDER and not circuit.allow(channel, claim):
        return _defer(notification_id, circuit.open_until(channel, claim) or claim, claim)
    claimed = (
        Notification.objects.filter(pk=notification_id, status=NotificationStatus.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=claim))
        .update(status=NotificationStatus.SENDING, claimed_at=claim, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    notification = Notification.objects.select_related("case", "case__branch").get(pk=notification_id)
    try:
        text, html = final_bodies(notification)
        result = channel_for(notification.channel).send(notification, text, html)
    except DeliveryError as exc:
        return _attempt_failed(notification, exc)
    except Exception as exc:  # a bug or an unexpected library error: retry, and say what it was
        logger.exception("Sending notification %s failed unexpectedly", notification_id)
        return _attempt_failed(notification, DeliveryError(f"{type(exc).__name__}: {exc}"))
    return _attempt_succeeded(notification, result)


# A notice kept waiting by an outage this long has its news out by now (on
# another channel, or a call): it ends as failed instead of waiting forever.
OUTAGE_GIVE_UP = datetime.timedelta(hours=48)


def _defer(notification_id, until, now):
    """The channel's provider is down: the notice waits for the circuit to
    close (no attempt is used up), and its news is sent on the next channel."""
    from notifications.services import failover, notice_failed

    with transaction.atomic():
        gave_up = Notification.objects.filter(
            pk=notification_id, status=NotificationStatus.QUEUED, created_at__lt=now - OUTAGE_GIVE_UP
        ).update(status=NotificationStatus.FAILED, failed_at=now, last_error="provider outage outlasted the notice")
        if gave_up:
            notification = Notification.objects.select_related("case", "transition").get(pk=notification_id)
            DeliveryEvent.objects.create(
                notification=notification, kind="failed", detail="provider outage outlasted the notice", created_at=now
            )
            notice_failed(notification, unreachable=False, at=now)
            return NotificationStatus.FAILED

    with transaction.atomic():
        deferred = Notification.objects.filter(
            pk=notification_id, status=NotificationStatus.QUEUED
        ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).update(
            # Spread out, so the recovered provider is not hit by all at once.
            next_attempt_at=until + datetime.timedelta(seconds=random.uniform(0, conf.CIRCUIT_COOL_OFF / 5))
        )
        if not deferred:
            return None
        notification = Notification.objects.select_related("case", "transition").get(pk=notification_id)
        if notification.failed_over_at is None:
            DeliveryEvent.objects.create(
                notification=notification, kind="deferred", detail=f"{notification.channel} provider circuit open",
                created_at=now,
            )
            failover(notification, at=now)
    return NotificationStatus.QUEUED


def _ours(notification):
    # The outcome counts only while the claim is still ours: a sweeper may
    # have handed a very slow attempt's row to another worker meanwhile.
    return Notification.objects.filter(
        pk=notification.pk, status=NotificationStatus.SENDING, claimed_at=notification.claimed_at
    )


def _attempt_succeeded(notification, result):
    from notifications.news import news_record

    now = timezone.now()
    status = NotificationStatus.DELIVERED if result.delivered else NotificationStatus.SENT
    fields = {"status": status, "sent_at": now, "claimed_at": None, "last_error": ""}
    if result.delivered:
        fields["delivered_at"] = now
    if result.provider_message_id:
        fields["provider_message_id"] = result.provider_message_id[:255]
    with transaction.atomic():
        if not _ours(notification).update(**fields):
            logger.warning("Notification %s: claim lost before the result was written", notification.pk)
            return None
        DeliveryEvent.objects.create(
            notification=notification,
            kind=status,
            detail=f"attempt {notification.attempts}",
            created_at=now,
        )
        if result.delivered and notification.channel in FAILOVER_ORDER:
            news_record(case_id=notification.case_id, at=now, how=notification.channel, notification=notification)
    if notification.channel in FAILOVER_ORDER:
        circuit.record_success(notification.channel, now)
    return status


def _attempt_failed(notification, error):
    from notifications.services import failover, hide_recipient, notice_failed

    now = timezone.now()
    outage_until = None
    if not error.permanent and notification.channel in FAILOVER_ORDER:
        circuit.record_failure(notification.channel, now)  # a bad address says nothing about the provider
        outage_until = circuit.open_until(notification.channel, now)
    # While the provider is down for everyone, a failed attempt says nothing
    # about this message: it waits for the outage to end, never fails for it.
    final = error.permanent or (notification.attempts >= conf.MAX_ATTEMPTS and outage_until is None)
    # Staff see this text: a provider's error may quote the full address.
    message = hide_recipient(str(error), notification.recipient)
    with transaction.atomic():
        if final:
            updated = _ours(notification).update(
                status=NotificationStatus.FAILED, failed_at=now, claimed_at=None, last_error=message
            )
        else:
            retry_at = now + backoff(notification.attempts)
            if outage_until is not None:  # the provider is down: wait for the circuit to close
                retry_at = max(retry_at, outage_until)
            updated = _ours(notification).update(
                status=NotificationStatus.QUEUED, next_attempt_at=retry_at, claimed_at=None, last_error=message
            )
        if not updated:
            return None
        DeliveryEvent.objects.create(
            notification=notification,
            kind="failed" if final else "attempt_failed",
            detail=f"attempt {notification.attempts}: {message}",
            payload={"permanent": error.permanent, "unreachable": error.unreachable},
            created_at=now,
        )
        if final:
            notification.last_error = message  # the task quotes this attempt's error
            notice_failed(notification, unreachable=error.unreachable, at=now)
        elif outage_until is not None:
            failover(notification, at=now)  # the news goes out on the next channel meanwhile
    return NotificationStatus.FAILED if final else NotificationStatus.QUEUED


def sweep(now=None, grace=None) -> dict:
    """Re-queue what the queue may have lost. Safe to run any time, anywhere.

    `grace`: seconds a fresh row is left to its on_commit hook (default
    NOTIFICATIONS_SWEEP_GRACE; 0 queues every due row)."""
    now = now or timezone.now()
    grace = conf.SWEEP_GRACE if grace is None else grace
    expired = _release_stale_claims(now)
    due = list(
        Notification.objects.filter(status=NotificationStatus.QUEUED, next_attempt_at__lte=now)
        # Fresh rows were queued by their transaction's on_commit hook.
        .filter(Q(attempts__gt=0) | Q(next_attempt_at__lte=now - datetime.timedelta(seconds=grace)))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[: conf.SWEEP_BATCH]
    )
    queue(due)
    return {"requeued": len(due), "stale_claims": expired}


def _release_stale_claims(now):
    """Rows stuck in `sending` past the claim timeout: their worker died.

    Whether that attempt reached the provider is unknown; it is sent again
    under the same idempotency key, which the provider deduplicates."""
    cutoff = now - datetime.timedelta(seconds=conf.CLAIM_TIMEOUT)
    stale = list(
        Notification.objects.filter(status=NotificationStatus.SENDING, claimed_at__lt=cutoff).values_list(
            "pk", "attempts", "claimed_at"
        )[: conf.SWEEP_BATCH]
    )
    released = 0
    for pk, attempts, claimed_at in stale:
        with transaction.atomic():
            row = Notification.objects.filter(pk=pk, status=NotificationStatus.SENDING, claimed_at=claimed_at)
            final = attempts >= conf.MAX_ATTEMPTS
            if final:
                changed = row.update(
                    status=NotificationStatus.FAILED, failed_at=now, claimed_at=None,
                    last_error="worker stopped during every attempt",
                )
            else:
                changed = row.update(status=NotificationStatus.QUEUED, next_attempt_at=now, claimed_at=None)
            if not changed:
                continue
            released += 1
            DeliveryEvent.objects.create(
                notification_id=pk,
                kind="failed" if final else "claim_expired",
                detail=f"attempt {attempts}: the worker stopped before recording the outcome",
                created_at=now,
            )
            if final:
                from notifications.services import notice_failed

                notice_failed(Notification.objects.select_related("case").get(pk=pk), unreachable=False, at=now)
    return released
