"""Reads about notices and staff tasks, scoped like cases (by branch)."""

import datetime

from django.conf import settings
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.utils import timezone

from cases.selectors import branch_scope
from notifications.conf import conf
from notifications.models import (
    DELIVERED_STATUSES,
    FAILED_STATUSES,
    PENDING_STATUSES,
    SENT_CHANNELS,
    Channel,
    Notification,
    NotificationStatus,
    StaffTask,
)


def notifications_for_user(user):
    """Notices of the cases the user may see (the dashboards' scope too)."""
    return Notification.objects.filter(branch_scope(user, "case__"))


def pending_counts() -> dict[tuple[str, str], int]:
    """{(status, channel): notices} queued or being sent, however old (the
    sweeper's partial indexes hold exactly these rows)."""
    rows = (
        Notification.objects.filter(status__in=PENDING_STATUSES)
        .order_by()
        .values_list("status", "channel")
        .annotate(n=Count("id"))
    )
    return {(status, channel): n for status, channel, n in rows}


def claim_counts(now=None) -> dict[str, int]:
    """Sends in `sending` that no live worker holds: abandoned (older than
    the claim timeout; the sweeper gives them back) and uncertain (held until
    the provider reports, see notifications.dispatch): not lost, so apart."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=conf.CLAIM_TIMEOUT)
    return Notification.objects.filter(status=NotificationStatus.SENDING).aggregate(
        abandoned=Count("id", filter=Q(claimed_at__lt=cutoff, uncertain_since__isnull=True)),
        uncertain=Count("id", filter=Q(uncertain_since__isnull=False)),
    )


def queue_backlog(now=None):
    """What the outbox holds: counts by status and channel, the oldest due
    queued notice, abandoned and uncertain claims."""
    now = now or timezone.now()
    oldest = (
        Notification.objects.filter(status=NotificationStatus.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    claims = claim_counts(now)
    return {"by_status": pending_counts(), "oldest_due": oldest, "stale_claims": claims["abandoned"],
            "uncertain": claims["uncertain"]}


# --- What the staff pages list: tasks, and notices with a problem -----------------

# How long a notice may take to reach the borrower before it counts against
# the officer's KPI, and before the monitor calls it stuck. The lead may move
# these into settings; the defaults are the bank's service standard.
NOTICE_TARGET = datetime.timedelta(hours=getattr(settings, "NOTICE_DELIVERY_TARGET_HOURS", 24))


QUEUE_STUCK_AFTER = datetime.timedelta(minutes=getattr(settings, "NOTICE_QUEUE_STUCK_MINUTES", 15))


ACK_EXPECTED_WITHIN = datetime.timedelta(hours=getattr(settings, "NOTICE_ACK_EXPECTED_HOURS", 72))


# A notice that has not (yet) reached the borrower and nobody has dealt with.
UNDELIVERED = Q(
    status__in=[
        NotificationStatus.QUEUED,
        NotificationStatus.SENDING,
        NotificationStatus.SENT,
        *FAILED_STATUSES,
    ],
    handled_at__isnull=True,
    channel__in=SENT_CHANNELS,
)


def my_open_tasks(user):
    return (
        StaffTask.objects.filter(branch_scope(user, "case__"), assigned_to=user, status=StaffTask.Status.OPEN)
        .select_related("case", "notification")
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )


def my_task_cases(user) -> list[tuple[int, int]]:
    """(case id, open tasks) for each case the user has open tasks on, the
    most urgent task's case first: the officer's home pages by case, so one
    borrower is one card. One row per case: an officer's own few hundred at most."""
    return list(
        my_open_tasks(user)
        .values("case_id")
        .annotate(tasks=Count("id"), first_due=Min("due_at"), first_id=Min("id"))
        .order_by(F("first_due").asc(nulls_last=True), "first_id")
        .values_list("case_id", "tasks")
    )


def my_open_tasks_of_cases(user, case_ids):
    """The user's open tasks on `case_ids`, grouped: [(case, [task, ...])] in
    the order of `case_ids`."""
    grouped = {}
    for task in my_open_tasks(user).filter(case_id__in=case_ids):
        grouped.setdefault(task.case_id, (task.case, []))[1].append(task)
    return [grouped[case_id] for case_id in case_ids if case_id in grouped]


def task_get_for_user(user, pk):
    """An open or done task of a case the user may see, else StaffTask.DoesNotExist."""
    return StaffTask.objects.select_related("case").get(branch_scope(user, "case__"), pk=pk)


def has_undelivered_notice():
    return Exists(Notification.objects.filter(UNDELIVERED, case=OuterRef("pk")))


class Problem:
    FAILED = "failed"
    STUCK = "stuck"
    UNACKNOWLEDGED = "unacknowledged"
    ALL = (FAILED, STUCK, UNACKNOWLEDGED)


def problem_filter(problem, now) -> Q:
    open_ = Q(handled_at__isnull=True, channel__in=SENT_CHANNELS)
    if problem == Problem.FAILED:
        return open_ & Q(status__in=FAILED_STATUSES)
    if problem == Problem.STUCK:
        return open_ & (
            Q(status=NotificationStatus.QUEUED, next_attempt_at__lt=now - QUEUE_STUCK_AFTER)
            | Q(status=NotificationStatus.SENDING, claimed_at__lt=now - QUEUE_STUCK_AFTER)
            | Q(status=NotificationStatus.SENT, sent_at__lt=now - NOTICE_TARGET)
        )
    if problem == Problem.UNACKNOWLEDGED:
        # Read (the page shown, the email opened) counts as seen, as for the calls.
        return open_ & Q(
            status=NotificationStatus.DELIVERED,
            acknowledged_at__isnull=True,
            created_at__lt=now - ACK_EXPECTED_WITHIN,
        )
    raise ValueError(problem)


def notice_problems(user, problem, now=None):
    now = now or timezone.now()
    return (
        notifications_for_user(user)
        .filter(problem_filter(problem, now))
        .select_related("case", "case__officer", "case__branch")
        .order_by("created_at", "id")
    )


def notice_problem_counts(user, now=None, limit=1000) -> dict:
    """How many notices have each problem, counted up to `limit` (shown as "1000+")."""
    now = now or timezone.now()
    counts = {}
    for problem in Problem.ALL:
        ids = notifications_for_user(user).filter(problem_filter(problem, now)).values("id")[: limit + 1]
        counts[problem] = Notification.objects.filter(id__in=ids).count()
    return counts


def notification_get_for_user(user, pk):
    return notifications_for_user(user).select_related("case").get(pk=pk)


def delivery_rate_by_channel(user, since, until) -> list[dict]:
    rows = (
        notifications_for_user(user)
        .filter(created_at__gte=since, created_at__lt=until, channel__in=SENT_CHANNELS)
        .exclude(status=NotificationStatus.CANCELLED)
        .values("channel")
        .annotate(
            total=Count("id"),
            delivered=Count("id", filter=Q(status__in=DELIVERED_STATUSES)),
            failed=Count("id", filter=Q(status__in=FAILED_STATUSES)),
        )
        .order_by("channel")
    )
    labels = dict(Channel.choices)
    result = []
    for row in rows:
        row["channel_label"] = labels.get(row["channel"], row["channel"])
        row["pending"] = row["total"] - row["delivered"] - row["failed"]
        row["rate"] = percent_of(row["delivered"], row["total"])
        result.append(row)
    return result


def percent_of(part, whole):
    return None if not whole else round(100.0 * part / whole, 1)
