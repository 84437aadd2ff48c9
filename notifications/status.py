"""The one place a notice's status changes.

A change is a conditional UPDATE of the row (only from the statuses it may
leave, so two workers, a webhook and a staff click never undo each other)
and the DeliveryEvent that says what happened, in one transaction: the
timeline always tells how a notice got where it is. The worker, webhooks,
the borrower's page, staff and the sweeper all change statuses here.
"""

from django.db import transaction

from notifications import signals
from notifications.models import DeliveryEvent, Notification


def change(notification_id, *, to, event, at, source=None, where=None, detail="", payload=None,
           provider_event_id=None, **fields) -> bool:
    """Set the notice's status to `to` (and `fields`) if its status is in
    `source` (any, if None) and it matches `where` (a Q), and record `event`.
    Returns whether it changed."""
    rows = Notification.objects.filter(pk=notification_id)
    if source is not None:
        rows = rows.filter(status__in=source)
    if where is not None:
        rows = rows.filter(where)
    with transaction.atomic():
        if not rows.update(status=to, **fields):
            return False
        note(notification_id, event=event, at=at, detail=detail, payload=payload, provider_event_id=provider_event_id)
        signals.notice_status_changed.send(Notification, notification_id=notification_id, status=to, event=event, at=at)
    return True


def note(notification_id, *, event, at, detail="", payload=None, provider_event_id=None) -> DeliveryEvent:
    """Record something that happened to a notice without changing its
    status: a provider's report that changes nothing, a failover, a deferral."""
    return DeliveryEvent.objects.create(
        notification_id=notification_id, kind=event, detail=detail[:2000], payload=payload or {},
        provider_event_id=provider_event_id, created_at=at,
    )
