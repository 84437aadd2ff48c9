"""Reads about notices and staff tasks, scoped like cases (by branch)."""

import datetime

from django.db.models import Count
from django.utils import timezone

from cases.selectors import branch_scope
from notifications.conf import conf
from notifications.models import (
    PENDING_STATUSES,
    Notification,
    NotificationStatus,
)


def notifications_for_user(user):
    """Notices of the cases the user may see (the dashboards' scope too)."""
    return Notification.objects.filter(branch_scope(user, "case__"))


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
