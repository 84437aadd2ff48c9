"""Writes of borrower notices and staff tasks.

CONTRACT (other apps call these; keep the signatures):
  notices_for_transition(*, case, record) -> list[Notification]
  notices_for_event(*, case, key, at=None, channels=None) -> list[Notification]
  dispatch_suppressed()  context manager: notices written inside are not queued (demo history)
  settle_demo_history(*, now) -> None: demo data only; old notices get realistic outcomes
  notification_mark_read(*, notification, at=None) -> bool
  notification_acknowledge(*, notification, at=None) -> bool
  notification_retry(*, notification, actor) -> Notification
  notification_mark_handled(*, notification, actor, note="") -> Notification
  task_create(*, case, kind, detail="", notification=None, callback_time="", assigned_to=None, at=None) -> StaffTask
  task_complete(*, task, actor, outcome, reached=True) -> StaffTask
"""


import contextlib

from django.db import transaction
from django.utils import timezone

from cases import sla
from notifications.models import (
    Channel,
    DeliveryEvent,
    Notification,
    NotificationStatus,
    StaffTask,
)


def _channels_for(case):
    channels = [Channel.STATUS_PAGE]
    if case.borrower_email and not case.email_unreachable:
        channels.append(Channel.EMAIL)
    if case.borrower_phone and not case.phone_unreachable:
        channels.append(Channel.SMS)
    return channels


def notices_for_transition(*, case, record):
    """Write the notices a transition asks for, in the caller's transaction."""
    return notices_for_event(case=case, key=record.transition, at=record.created_at, record=record)


def notices_for_event(*, case, key, at=None, channels=None, record=None):
    at = at or timezone.now()
    notices = []
    for channel in _channels_for(case):
        if channels is not None and channel not in channels:
            continue
        recipient = {Channel.EMAIL: case.borrower_email, Channel.SMS: case.borrower_phone}.get(channel, "")
        notices.append(
            Notification(
                case=case,
                transition=record,
                key=key,
                channel=channel,
                recipient=recipient,
                status=NotificationStatus.DELIVERED if channel == Channel.STATUS_PAGE else NotificationStatus.QUEUED,
                delivered_at=at if channel == Channel.STATUS_PAGE else None,
                next_attempt_at=at,
                subject=key,
                body=key,
                created_at=at,
            )
        )
    return Notification.objects.bulk_create(notices)


def _event(notification, kind, at, detail=""):
    DeliveryEvent.objects.create(notification=notification, kind=kind, detail=detail, created_at=at)


def notification_mark_read(*, notification, at=None) -> bool:
    at = at or timezone.now()
    changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=at)
    if changed:
        Notification.objects.filter(pk=notification.pk, status=NotificationStatus.DELIVERED).update(
            status=NotificationStatus.READ
        )
        _event(notification, "read", at)
    return bool(changed)


def notification_acknowledge(*, notification, at=None) -> bool:
    """The borrower pressed "I have received this". Idempotent."""
    at = at or timezone.now()
    with transaction.atomic():
        changed = Notification.objects.filter(pk=notification.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=at, status=NotificationStatus.ACKNOWLEDGED
        )
        if changed:
            _event(notification, "acknowledged", at)
    notification.refresh_from_db()
    return bool(changed)


def notification_retry(*, notification, actor):
    now = timezone.now()
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk, status__in=[NotificationStatus.FAILED, NotificationStatus.BOUNCED]).update(
            status=NotificationStatus.QUEUED, next_attempt_at=now, attempts=0, failed_at=None
        )
        _event(notification, "retry", now, detail=str(actor))
    notification.refresh_from_db()
    return notification


def notification_mark_handled(*, notification, actor, note=""):
    now = timezone.now()
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk, handled_at__isnull=True).update(
            handled_at=now, handled_by=actor
        )
        _event(notification, "handled", now, detail=note)
    notification.refresh_from_db()
    return notification


def task_create(*, case, kind, detail="", notification=None, callback_time="", assigned_to=None, at=None):
    at = at or timezone.now()
    due = sla.deadline(at, 1)
    return StaffTask.objects.create(
        case=case,
        kind=kind,
        detail=detail,
        notification=notification,
        callback_time=callback_time,
        assigned_to=assigned_to or case.officer,
        due_at=due,
        created_at=at,
    )


def task_complete(*, task, actor, outcome, reached=True):
    now = timezone.now()
    with transaction.atomic():
        StaffTask.objects.filter(pk=task.pk, status=StaffTask.Status.OPEN).update(
            status=StaffTask.Status.DONE, outcome=outcome, completed_at=now, completed_by=actor
        )
    task.refresh_from_db()
    return task




@contextlib.contextmanager
def dispatch_suppressed():
    yield


def settle_demo_history(*, now):
    return None
