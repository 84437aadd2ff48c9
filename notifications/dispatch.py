"""Sending queued notices: claim, send, record the outcome; and the sweeper.

The notification row is the source of truth, not the task queue (a Redis
broker loses tasks held by a killed cluster, an on_commit hook may never run,
django-q2 forgets max_attempts after a worker death). So:

- a worker claims a row with one conditional UPDATE (queued and due ->
  sending); only the claimer sends, with the row's UUID as idempotency key;
- the outcome is written only if the claim is still ours, and a database
  blip after the provider answered is retried on a fresh connection: the
  provider has the message, so the row must not look unsent;
- backoff lives on the row (next_attempt_at), with jitter;
- the sweeper (every minute) queues rows that are due and gives rows whose
  claim outlived any possible live send back to the queue: at once where
  the provider drops a repeat by its idempotency key; otherwise the claim
  is held as uncertain until the provider's report finishes it, or
  NOTIFICATIONS_UNCERTAIN_GRACE passes without one;
- while a channel's circuit is open (an outage, see circuit.py) its notices
  wait, and their news goes out on the borrower's next channel at once.

Every status change goes through notifications.status, with its event.
"""

import datetime
import logging
import random
import time

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, DateTimeField, F, Q, Subquery, Value, When
from django.utils import timezone

from notifications import circuit, outcomes, services, status
from notifications.channels import DeliveryError, email, phone, sms, status_page
from notifications.conf import conf
from notifications.models import FAILOVER_ORDER, Channel, DeliveryEvent, Notification, NotificationStatus

logger = logging.getLogger(__name__)

CHANNELS = {
    Channel.EMAIL: email.EmailChannel,
    Channel.SMS: sms.SmsChannel,
    Channel.STATUS_PAGE: status_page.StatusPageChannel,
    Channel.PHONE: phone.PhoneChannel,
}
# A notice kept waiting by an outage this long has its news out by now (on
# another channel, or a call): it ends as failed instead of waiting forever.
OUTAGE_GIVE_UP = datetime.timedelta(hours=48)
# Waiting notices look again within this long after each cool-off; the end of
# the outage (a probe that goes through) releases them all at once anyway.
OUTAGE_RECHECK = 3600
# Notices released together when an outage ends, per UPDATE statement.
RELEASE_BATCH = 500
# Pauses (seconds) before writing an attempt's outcome again after the
# database connection failed: a blip (failover, restart) usually passes in
# a few seconds, and the whole stays well inside the task timeout.
OUTCOME_RETRY_PAUSES = (0.2, 0.5, 1, 2, 4)


def log_context(notification) -> dict:
    """What each log line about a notice carries (the JSON logs' fields):
    staff find the case and the notice from it, and nothing personal."""
    return {"notification_id": notification.pk, "case_number": notification.case.number if notification.case_id else None}


def backoff(attempts: int) -> datetime.timedelta:
    """Wait before attempt n+1: base * 2**(n-1), capped, with +/- jitter so a
    recovering provider is not hit by every retry at once."""
    seconds = min(conf.BACKOFF_BASE * 2 ** max(attempts - 1, 0), conf.BACKOFF_MAX)
    jitter = conf.BACKOFF_JITTER
    return datetime.timedelta(seconds=seconds * random.uniform(1 - jitter, 1 + jitter))


def _due(now):
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def send(notification_id):
    """Claim and send one notice. Returns its new status, or None if it was
    not ours to send (already claimed, finished, or not yet due)."""
    claim = timezone.now()
    due = Notification.objects.filter(pk=notification_id, status=NotificationStatus.QUEUED).filter(_due(claim))
    channel = due.values_list("channel", flat=True).first()
    if channel is None:
        return None  # not ours to send: claimed, finished, or not yet due
    # Asked only for a notice that would go now: a probe claimed for a
    # notice that then does not go would hold the circuit open.
    if channel in FAILOVER_ORDER and not circuit.allow(channel, claim):
        return _defer(notification_id, circuit.open_until(channel, claim) or claim, claim)
    claimed = status.change(
        notification_id, to=NotificationStatus.SENDING, source=[NotificationStatus.QUEUED], where=_due(claim),
        event="sending", at=claim, claimed_at=claim, attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    notification = Notification.objects.select_related("case", "case__branch", "transition").get(pk=notification_id)
    try:
        text, html = services.final_bodies(notification)
        result = CHANNELS[notification.channel]().send(notification, text, html)
    except DeliveryError as exc:
        return _record(notification, _attempt_failed, exc)
    except Exception as exc:  # a bug or an unexpected library error: retry, and say what it was
        logger.exception("Sending notification %s failed unexpectedly", notification_id, extra=log_context(notification))
        return _record(notification, _attempt_failed, DeliveryError(f"{type(exc).__name__}: {exc}"))
    return _record(notification, _attempt_succeeded, result)


def _record(notification, write, outcome):
    """Write an attempt's outcome, surviving a database blip: the broken
    connection is closed and the write tried again on a fresh one, a few
    times with short pauses. A success that still cannot be written is held
    as uncertain, so it is not sent again blindly."""
    error = None
    for pause in (0, *OUTCOME_RETRY_PAUSES):
        time.sleep(pause)
        try:
            return write(notification, outcome)
        except (OperationalError, InterfaceError) as exc:
            error = exc
            logger.warning("Notification %s: writing the outcome failed (%s), trying again", notification.pk, exc,
                           extra=log_context(notification))
            if not connection.in_atomic_block:  # a caller's transaction is theirs to end
                connection.close()  # the next query opens a new connection
    if write is _attempt_succeeded:
        _hold_uncertain(notification, outcome.provider_message_id, error)
    else:
        # The attempt failed, so nothing reached the borrower; the sweeper
        # gives the claim back once the database is back.
        logger.error("Notification %s: a failed attempt could not be recorded (%s)", notification.pk, error,
                     extra=log_context(notification))
    return None


def _hold_uncertain(notification, provider_message_id, error):
    """The provider accepted the message but its outcome could not be
    written: keep the claim, marked uncertain, with the provider's id so its
    report finds the notice. If even that cannot be written, the log keeps
    the id for staff, and the sweeper holds the stale claim as uncertain
    where the provider would not drop a repeat."""
    now = timezone.now()
    fields = {"uncertain_since": now}
    if provider_message_id:
        fields["provider_message_id"] = provider_message_id[:255]
    try:
        held = status.change(
            notification.pk, to=NotificationStatus.SENDING, source=[NotificationStatus.SENDING],
            where=_ours(notification), event="uncertain", at=now,
            detail=f"attempt {notification.attempts}: the provider accepted it; writing the outcome failed "
                   f"({type(error).__name__})",
            **fields,
        )
    except DatabaseError:
        held = False
    logger.error(
        "Notification %s: attempt %s reached the provider (message id %s) but its outcome could not be written "
        "(%s); %s",
        notification.pk, notification.attempts, provider_message_id or "-", error,
        "held as uncertain" if held else "nothing recorded", extra=log_context(notification),
    )


def _defer(notification_id, until, now):
    """The channel's provider is down: the notice waits for the circuit to
    close (no attempt is used up), and its news is sent on the next channel."""
    with transaction.atomic():
        if status.change(
            notification_id, to=NotificationStatus.FAILED, source=[NotificationStatus.QUEUED],
            where=Q(created_at__lt=now - OUTAGE_GIVE_UP), event="failed", at=now,
            detail="provider outage outlasted the notice", failed_at=now,
            last_error="provider outage outlasted the notice",
        ):
            notification = Notification.objects.select_related("case", "transition").get(pk=notification_id)
            outcomes.notice_failed(notification, unreachable=False, at=now)
            return NotificationStatus.FAILED
        # The status stays queued: a wait, not a change (and no event each time).
        deferred = (
            Notification.objects.filter(pk=notification_id, status=NotificationStatus.QUEUED)
            .filter(_due(now))
            .update(next_attempt_at=until + datetime.timedelta(seconds=random.uniform(0, OUTAGE_RECHECK)))
        )
        if not deferred:
            return None
        notification = Notification.objects.select_related("case", "transition").get(pk=notification_id)
        if notification.failed_over_at is None:
            status.note(notification.pk, event="deferred", at=now, detail=f"{notification.channel} provider circuit open")
            services.failover(notification, at=now)
    return NotificationStatus.QUEUED


def _ours(notification):
    # The outcome counts only while the claim is still ours: a sweeper may
    # have handed a very slow attempt's row to another worker meanwhile.
    return Q(claimed_at=notification.claimed_at)


def _attempt_succeeded(notification, result):
    now = timezone.now()
    new = NotificationStatus.DELIVERED if result.delivered else NotificationStatus.SENT
    fields = {"sent_at": now, "claimed_at": None, "last_error": ""}
    if result.delivered:
        fields["delivered_at"] = now
    if result.provider_message_id:
        fields["provider_message_id"] = result.provider_message_id[:255]
    with transaction.atomic():
        if not status.change(
            notification.pk, to=new, source=[NotificationStatus.SENDING], where=_ours(notification), event=new,
            at=now, detail=f"attempt {notification.attempts}", **fields,
        ):
            logger.warning("Notification %s: claim lost before the result was written", notification.pk,
                           extra=log_context(notification))
            return None
        if result.delivered:
            outcomes.delivered(notification, now)
    logger.info("Notification %s (%s) %s on attempt %s", notification.pk, notification.channel, new,
                notification.attempts, extra=log_context(notification))
    if notification.channel in FAILOVER_ORDER and circuit.record_success(notification.channel, now):
        _release_waiting(notification.channel, now)
    return new


def _release_waiting(channel, now):
    """An outage ended: the notices it kept waiting go now, spread over a
    minute so the recovered provider is not hit by all at once."""
    waiting = Notification.objects.filter(channel=channel, status=NotificationStatus.QUEUED, next_attempt_at__gt=now)
    ids = list(waiting.values_list("pk", flat=True))
    # A few statements of RELEASE_BATCH rows each, not one per notice: after
    # a long outage thousands wait, and SQLite holds its write lock per statement.
    for start in range(0, len(ids), RELEASE_BATCH):
        chunk = ids[start:start + RELEASE_BATCH]
        spread = Case(
            *[When(pk=pk, then=Value(now + datetime.timedelta(seconds=random.uniform(0, 60)))) for pk in chunk],
            output_field=DateTimeField(),
        )
        Notification.objects.filter(pk__in=chunk, status=NotificationStatus.QUEUED).update(next_attempt_at=spread)


def _attempt_failed(notification, error):
    now = timezone.now()
    outage_until = None
    if not error.permanent and notification.channel in FAILOVER_ORDER:
        # A bad address says nothing about the provider. Counted once, even
        # when a database blip makes _record write this outcome again.
        if not getattr(error, "counted", False):
            circuit.record_failure(notification.channel, now)
            error.counted = True
        outage_until = circuit.open_until(notification.channel, now)
    # While the provider is down for everyone, a failed attempt says nothing
    # about this message: it waits for the outage to end, never fails for it.
    final = error.permanent or (notification.attempts >= conf.MAX_ATTEMPTS and outage_until is None)
    # Staff see this text: a provider's error may quote the full address.
    message = services.hide_recipient(str(error), notification.recipient)
    detail = f"attempt {notification.attempts}: {message}"
    payload = {"permanent": error.permanent, "unreachable": error.unreachable}
    with transaction.atomic():
        if final:
            changed = status.change(
                notification.pk, to=NotificationStatus.FAILED, source=[NotificationStatus.SENDING],
                where=_ours(notification), event="failed", at=now, detail=detail, payload=payload, failed_at=now,
                claimed_at=None, last_error=message,
            )
        else:
            retry_at = now + backoff(notification.attempts)
            if outage_until is not None:  # the provider is down: wait for the circuit to close
                retry_at = max(retry_at, outage_until)
            changed = status.change(
                notification.pk, to=NotificationStatus.QUEUED, source=[NotificationStatus.SENDING],
                where=_ours(notification), event="attempt_failed", at=now, detail=detail, payload=payload,
                next_attempt_at=retry_at, claimed_at=None, last_error=message,
            )
        if not changed:
            return None
        if final:
            notification.last_error = message  # the task quotes this attempt's error
            outcomes.notice_failed(notification, unreachable=error.unreachable, at=now)
        elif outage_until is not None:
            services.failover(notification, at=now)  # the news goes out on the next channel meanwhile
    logger.warning("Notification %s (%s) attempt %s failed%s: %s", notification.pk, notification.channel,
                   notification.attempts, " for good" if final else "", message, extra=log_context(notification))
    return NotificationStatus.FAILED if final else NotificationStatus.QUEUED


def sweep(now=None, grace=None) -> dict:
    """Re-queue what the queue may have lost. Safe to run any time, anywhere.

    `grace`: seconds a fresh row is left to its on_commit hook (default
    NOTIFICATIONS_SWEEP_GRACE; 0 queues every due row)."""
    now = now or timezone.now()
    grace = conf.SWEEP_GRACE if grace is None else grace
    claims = _release_stale_claims(now)
    due = list(
        Notification.objects.filter(status=NotificationStatus.QUEUED, next_attempt_at__lte=now)
        # Fresh rows were queued by their transaction's on_commit hook.
        .filter(Q(attempts__gt=0) | Q(next_attempt_at__lte=now - datetime.timedelta(seconds=grace)))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[: conf.SWEEP_BATCH]
    )
    services.queue(due)
    return {"requeued": len(due), **claims}


def _idempotent_channels():
    """The channels whose provider, as configured, drops a repeat by key."""
    return [channel for channel, sender in CHANNELS.items() if sender.idempotent()]


def _release_stale_claims(now):
    """Rows stuck in `sending` past the claim timeout: their worker died (or
    could not write the outcome). Whether that attempt reached the provider
    is unknown, so:

    - a provider that drops a repeat by its idempotency key gets it again at
      once, under the same key;
    - any other provider may have it already: the claim is held as uncertain
      for NOTIFICATIONS_UNCERTAIN_GRACE. Its tracking webhook finishes the
      notice meanwhile (delivered, bounced: notifications.outcomes); any
      other report of it says the provider has it (sent). Only a grace
      without a word sends it again.
    """
    cutoff = now - datetime.timedelta(seconds=conf.CLAIM_TIMEOUT)
    grace_over = now - datetime.timedelta(seconds=conf.UNCERTAIN_GRACE)
    keyed = _idempotent_channels()
    stale = list(
        Notification.objects.filter(status=NotificationStatus.SENDING, claimed_at__lt=cutoff)
        # Held claims still within their grace are left alone (and never
        # crowd the batch).
        .filter(Q(uncertain_since__isnull=True) | Q(uncertain_since__lt=grace_over) | Q(channel__in=keyed))
        .order_by("claimed_at")
        .values_list("pk", "channel", "attempts", "claimed_at", "uncertain_since")[: conf.SWEEP_BATCH]
    )
    counts = {"stale_claims": 0, "uncertain": 0, "reported": 0}
    for pk, channel, attempts, claimed_at, uncertain_since in stale:
        if channel not in keyed and _reported_since_claim(pk):
            counts["reported"] += _provider_has_it(pk, claimed_at, now)
        elif channel not in keyed and uncertain_since is None:
            counts["uncertain"] += status.change(
                pk, to=NotificationStatus.SENDING, source=[NotificationStatus.SENDING],
                where=Q(claimed_at=claimed_at, uncertain_since__isnull=True), event="uncertain", at=now,
                detail=f"attempt {attempts}: the worker stopped; waiting for the provider's report",
                uncertain_since=now,
            )
        else:
            held = uncertain_since is not None
            counts["stale_claims"] += _release(
                pk, attempts, claimed_at, now, event="uncertain_expired" if held else "claim_expired",
                detail=f"attempt {attempts}: no report from the provider" if held
                else f"attempt {attempts}: the worker stopped before recording the outcome",
            )
    return counts


def _reported_since_claim(pk):
    """Whether the provider reported on the notice after it was last
    claimed: then it has the message (a report that finished the notice
    would have taken it out of `sending` already)."""
    events = DeliveryEvent.objects.filter(notification_id=pk)
    claim = events.filter(kind="sending").order_by("-pk").values("pk")[:1]
    return events.filter(kind__startswith="provider:", pk__gt=Subquery(claim)).exists()


def _provider_has_it(pk, claimed_at, now):
    return status.change(
        pk, to=NotificationStatus.SENT, source=[NotificationStatus.SENDING], where=Q(claimed_at=claimed_at),
        event="sent", at=now, detail="the provider reported on it: not sent again",
        sent_at=claimed_at, claimed_at=None, uncertain_since=None,
    )


def _release(pk, attempts, claimed_at, now, *, event, detail):
    """Give a dead claim back to the queue, or fail it after the last attempt."""
    final = attempts >= conf.MAX_ATTEMPTS
    with transaction.atomic():
        if final:
            changed = status.change(
                pk, to=NotificationStatus.FAILED, source=[NotificationStatus.SENDING],
                where=Q(claimed_at=claimed_at), event="failed", at=now, detail=detail, failed_at=now,
                claimed_at=None, uncertain_since=None, last_error="worker stopped during every attempt",
            )
        else:
            changed = status.change(
                pk, to=NotificationStatus.QUEUED, source=[NotificationStatus.SENDING],
                where=Q(claimed_at=claimed_at), event=event, at=now, detail=detail,
                next_attempt_at=now, claimed_at=None, uncertain_since=None,
            )
        if changed and final:
            outcomes.notice_failed(Notification.objects.select_related("case").get(pk=pk), unreachable=False, at=now)
    return int(changed)
