"""Demo data only: give backdated notices the outcomes a real bank's history
would show, in bulk (seed_demo writes its history with dispatch suppressed)."""

import datetime
import random

from django.db import connection, transaction
from django.utils.translation import gettext as _

from cases.models import LoanCase
from notifications.models import (
    Channel,
    DeliveryEvent,
    Notification,
    NotificationStatus,
    StaffTask,
)
from notifications.services import display_body


def settle_demo_history(*, now):
    """Demo data only: give backdated queued notices realistic outcomes, in bulk.

    Older than a day: most delivered (many read, many acknowledged), a few
    failed (SMS) or bounced (email) with their staff task and the case marked
    as needing attention. The last day's notices stay queued for the worker."""
    cutoff = now - datetime.timedelta(days=1)
    rng = random.Random(20260302)
    pending = Notification.objects.filter(status=NotificationStatus.QUEUED, created_at__lt=cutoff)
    last_pk = 0
    while True:
        # In slices, so a 100,000-case demo does not hold a million rows at once.
        rows = list(pending.filter(pk__gt=last_pk).select_related("case").order_by("pk")[:BATCH])
        if not rows:
            return
        _settle(rows, rng)
        last_pk = rows[-1].pk


BATCH = 20000


def _settle(rows, rng):
    events, failed, calls, attention = [], [], [], set()
    for n in rows:
        sent = n.created_at + datetime.timedelta(seconds=rng.randint(5, 90))
        n.attempts, n.sent_at, n.next_attempt_at = 1, sent, None
        roll = rng.random()
        if n.channel in (Channel.EMAIL, Channel.SMS) and roll < 0.04:
            n.status = NotificationStatus.BOUNCED if n.channel == Channel.EMAIL else NotificationStatus.FAILED
            n.failed_at = sent + datetime.timedelta(minutes=rng.randint(1, 30))
            n.last_error = "mailbox unavailable (550)" if n.channel == Channel.EMAIL else "handset unreachable"
            events.append(DeliveryEvent(notification=n, kind=n.status, detail=n.last_error, created_at=n.failed_at))
            failed.append(n)
            attention.add(n.case_id)
            continue
        if n.channel == Channel.PHONE:
            # The officer made the call and recorded it.
            n.status, n.delivered_at = NotificationStatus.DELIVERED, sent + datetime.timedelta(hours=rng.randint(1, 6))
            events.append(DeliveryEvent(notification=n, kind="delivered", detail=_("Borrower reached by phone."),
                                        created_at=n.delivered_at))
            calls.append(n)
            continue
        n.status, n.delivered_at = NotificationStatus.DELIVERED, sent + datetime.timedelta(seconds=rng.randint(1, 60))
        events.append(DeliveryEvent(notification=n, kind="delivered", detail="attempt 1", created_at=n.delivered_at))
        if roll < 0.75:
            n.read_at = n.delivered_at + datetime.timedelta(hours=rng.randint(1, 20))
            n.status = NotificationStatus.READ
            events.append(DeliveryEvent(notification=n, kind="read", created_at=n.read_at))
        if roll < 0.55:
            n.acknowledged_at = n.read_at + datetime.timedelta(minutes=rng.randint(1, 30))
            n.status = NotificationStatus.ACKNOWLEDGED
            events.append(DeliveryEvent(notification=n, kind="acknowledged", created_at=n.acknowledged_at))
    fields = ["status", "attempts", "sent_at", "next_attempt_at", "delivered_at", "read_at", "acknowledged_at",
              "failed_at", "last_error"]
    with transaction.atomic():
        _update_rows(Notification, rows, fields)
        DeliveryEvent.objects.bulk_create(events, batch_size=1000)
        tasks = []
        for n in failed:
            tasks.append(
                StaffTask(
                    case=n.case,
                    notification=n,
                    kind=StaffTask.Kind.CALL_BORROWER,
                    assigned_to_id=n.case.officer_id,
                    detail=_("The %(channel)s notice could not be delivered: %(error)s. Call the borrower and tell them.")
                    % {"channel": n.get_channel_display(), "error": n.last_error},
                    due_at=n.failed_at + datetime.timedelta(days=1),
                    created_at=n.failed_at,
                )
            )
        for n in calls:
            tasks.append(
                StaffTask(
                    case=n.case, notification=n, kind=StaffTask.Kind.PHONE_NOTICE, assigned_to_id=n.case.officer_id,
                    detail=display_body(n), status=StaffTask.Status.DONE, due_at=n.created_at + datetime.timedelta(days=1),
                    created_at=n.created_at, completed_at=n.delivered_at, completed_by_id=n.case.officer_id,
                    outcome=_("Borrower reached by phone."),
                )
            )
        StaffTask.objects.bulk_create(tasks, batch_size=500)
        LoanCase.objects.filter(pk__in=attention).update(needs_attention=True)


def _update_rows(model, rows, fields):
    """UPDATE many rows, each with its own values, as one executemany.

    bulk_update builds a CASE expression per field and batch, which costs
    seconds per ten thousand rows; demo data settles a million."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [model._meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{connection.ops.quote_name(column.column)} = %s" for column in columns)
    sql = f"UPDATE {table} SET {assignments} WHERE id = %s"
    params = [
        [column.get_db_prep_save(getattr(row, column.attname), connection) for column in columns] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
