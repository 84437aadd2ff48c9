"""Reads about notices and staff tasks, scoped like cases (by branch)."""

import datetime

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from cases.selectors import cases_for_user
from notifications.conf import conf
from notifications.models import (
    DELIVERED_STATUSES,
    FAILED_STATUSES,
    PENDING_STATUSES,
    Channel,
    Notification,
    NotificationStatus,
    StaffTask,
)


def notifications_for_user(user):
    """Notices of the cases the user may see."""
    if not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    if user.is_head_office:
        return Notification.objects.all()
    return Notification.objects.filter(case__branch_id=user.branch_id)


def notification_list_problems(user, now=None):
    """Notices a person must look at, worst first: failed or bounced and not
    yet handled; escalated for want of acknowledgement; or stuck (still
    queued/sending well past their due time)."""
    now = now or timezone.now()
    stuck_since = now - datetime.timedelta(seconds=conf.CLAIM_TIMEOUT + conf.SWEEP_GRACE + 60)
    problems = (
        Q(status__in=FAILED_STATUSES, handled_at__isnull=True)
        | Q(escalated_at__isnull=False, acknowledged_at__isnull=True, handled_at__isnull=True)
        | Q(status__in=PENDING_STATUSES, next_attempt_at__lt=stuck_since)
    )
    return (
        notifications_for_user(user)
        .filter(problems)
        .select_related("case", "case__branch", "case__officer")
        .order_by("-created_at", "-id")
    )


def notification_list_for_case(case):
    return case.notifications.order_by("-created_at", "-id")


def notification_events(notification):
    return notification.events.order_by("created_at", "id")


def delivery_rate_by_channel(user, since):
    """{channel: {"total", "delivered", "failed", "pending", "rate"}} for
    notices written since `since` (cancelled ones left out)."""
    rows = (
        notifications_for_user(user)
        .filter(created_at__gte=since)
        .exclude(status=NotificationStatus.CANCELLED)
        .values("channel")
        .annotate(
            total=Count("id"),
            delivered=Count("id", filter=Q(status__in=DELIVERED_STATUSES)),
            failed=Count("id", filter=Q(status__in=FAILED_STATUSES)),
            pending=Count("id", filter=Q(status__in=PENDING_STATUSES + (NotificationStatus.SENT,))),
        )
    )
    result = {}
    for row in rows:
        row["rate"] = row["delivered"] / row["total"] if row["total"] else None
        result[row.pop("channel")] = row
    return result


def acknowledgement_rate_by_officer(user, since):
    """Per officer: messages delivered by email/SMS and how many were acknowledged (a KPI)."""
    return (
        notifications_for_user(user)
        .filter(created_at__gte=since, channel__in=[Channel.EMAIL, Channel.SMS], status__in=DELIVERED_STATUSES)
        .values("case__officer_id", "case__officer__username")
        .annotate(delivered=Count("id"), acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)))
        .order_by("case__officer__username")
    )


def task_list_open_for_user(user):
    """Open tasks assigned to the user, soonest due first."""
    return (
        StaffTask.objects.filter(assigned_to=user, status=StaffTask.Status.OPEN)
        .select_related("case", "notification")
        .order_by("due_at", "id")
    )


def task_list_open_in_scope(user):
    """Open tasks of every case the user may see (supervisors' view)."""
    return (
        StaffTask.objects.filter(status=StaffTask.Status.OPEN, case__in=cases_for_user(user))
        .select_related("case", "assigned_to", "notification")
        .order_by("due_at", "id")
    )


def last_notice_per_case(cases):
    """Annotate a case queryset with its latest outbound notice's time and status."""
    latest = Notification.objects.filter(case_id=OuterRef("pk")).exclude(channel=Channel.STATUS_PAGE).order_by(
        "-created_at", "-id"
    )
    return cases.annotate(
        last_notice_at=Subquery(latest.values("created_at")[:1]),
        last_notice_status=Subquery(latest.values("status")[:1]),
        last_notice_channel=Subquery(latest.values("channel")[:1]),
    )


def queue_backlog(now=None):
    """What the outbox holds: counts by status and channel, the oldest due
    queued notice, and claims older than the claim timeout."""
    now = now or timezone.now()
    pending = Notification.objects.filter(status__in=PENDING_STATUSES)
    by_status = {
        (row["status"], row["channel"]): row["n"]
        for row in pending.values("status", "channel").annotate(n=Count("id"))
    }
    oldest = (
        Notification.objects.filter(status=NotificationStatus.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    stale = Notification.objects.filter(
        status=NotificationStatus.SENDING, claimed_at__lt=now - datetime.timedelta(seconds=conf.CLAIM_TIMEOUT)
    ).count()
    return {"by_status": by_status, "oldest_due": oldest, "stale_claims": stale}
