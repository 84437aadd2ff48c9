"""Reads for the status page and the metrics: aggregates over every branch,
never a borrower's data. Each function is one query (or a fixed few), so a
scrape or a page costs the same however many cases there are, and each uses
an index the app already has for its own lookups."""

import dataclasses
import datetime

from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ, Schedule, Task

from cases import calendar
from cases.models import LoanCase
from cases.selectors import provisional_count
from cases.states import FINAL_STATES
from notifications import circuit as breaker
from notifications.models import (
    SENT_CHANNELS,
    Channel,
    Notification,
    NotificationStatus,
    ProviderCircuit,
    StaffTask,
)

# --- The outbox -----------------------------------------------------------------------

# Statuses in which a notice has not reached the borrower yet and still may:
# waiting to be sent, being sent, or sent and waiting for the provider's
# receipt (or, for a phone notice, for the officer's call).
UNDELIVERED_STATUSES = (NotificationStatus.QUEUED, NotificationStatus.SENDING, NotificationStatus.SENT)

# How far back "notices by status" looks: a day's traffic, found on the
# created_at index, rather than a count of every notice ever written.
RECENT = datetime.timedelta(hours=24)


def notice_counts_recent(now=None) -> dict[tuple[str, str], int]:
    """{(status, channel): notices} of the notices written in the last RECENT."""
    now = now or timezone.now()
    rows = (
        Notification.objects.filter(created_at__gte=now - RECENT)
        .order_by()
        .values_list("status", "channel")
        .annotate(n=Count("id"))
    )
    return {(status, channel): n for status, channel, n in rows}


def oldest_undelivered(now=None) -> dict[tuple[str, str], datetime.datetime]:
    """{(status, channel): created_at of the oldest} among notices to the
    borrower that have not reached them and nobody marked handled."""
    rows = (
        Notification.objects.filter(status__in=UNDELIVERED_STATUSES, channel__in=SENT_CHANNELS, handled_at__isnull=True)
        .order_by()
        .values_list("status", "channel")
        .annotate(oldest=Min("created_at"))
    )
    return {(status, channel): oldest for status, channel, oldest in rows}


# Upper bounds (seconds) of the delivery-latency histogram's buckets.
LATENCY_BUCKETS = (10, 30, 60, 120, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600)
LATENCY_WINDOW = datetime.timedelta(hours=1)
# Bounds the scan on the created_at index; a notice delivered two days after it
# was written is an outlier the staff pages show anyway.
LATENCY_LOOKBACK = datetime.timedelta(days=2)


@dataclasses.dataclass
class Latency:
    channel: str
    count: int
    sum_seconds: float
    buckets: list[tuple[float, int]]  # (upper bound, notices at or under it), cumulative


def delivery_latency(now=None, until="delivered_at") -> list[Latency]:
    """Per channel, how long the notices delivered (until="sent_at": handed to
    the provider) in the last hour took from being written: a histogram
    counted in SQL."""
    now = now or timezone.now()
    took = ExpressionWrapper(F(until) - F("created_at"), output_field=DurationField())
    aggregates = {
        f"le_{bound}": Count("id", filter=Q(**{f"{until}__lte": F("created_at") + datetime.timedelta(seconds=bound)}))
        for bound in LATENCY_BUCKETS
    }
    rows = (
        Notification.objects.filter(
            created_at__gte=now - LATENCY_LOOKBACK,
            channel__in=SENT_CHANNELS,
            **{f"{until}__gte": now - LATENCY_WINDOW, f"{until}__lte": now},
        )
        .order_by()
        .values("channel")
        .annotate(count=Count("id"), took=Sum(took), **aggregates)
        .order_by("channel")
    )
    return [
        Latency(
            channel=row["channel"],
            count=row["count"],
            sum_seconds=_seconds(row["took"]),
            buckets=[(bound, row[f"le_{bound}"]) for bound in LATENCY_BUCKETS],
        )
        for row in rows
    ]


def _seconds(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return value / 1e6  # a backend that sums durations as microseconds


# --- Cases and staff work ----------------------------------------------------------------


def overdue_open_cases(now=None) -> dict[str, int]:
    """{stage: open cases past their deadline}, every branch: a range scan of
    the open-cases due_at index (written as its condition, as
    cases.selectors does, so PostgreSQL can use it)."""
    now = now or timezone.now()
    rows = (
        LoanCase.objects.exclude(status__in=FINAL_STATES)
        .filter(due_at__lt=now)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def open_tasks_by_kind() -> dict[str, int]:
    """{kind: open staff tasks}: calls to make, contacts to verify,
    escalations to supervisors."""
    rows = StaffTask.objects.filter(status=StaffTask.Status.OPEN).order_by().values_list("kind").annotate(n=Count("id"))
    return dict(rows)


# --- Circuit breakers ------------------------------------------------------------------


@dataclasses.dataclass
class Circuit:
    channel: str
    state: str
    consecutive_failures: int
    open_until: datetime.datetime | None
    opened_count: int


# The channels a provider sends on (a phone notice is a staff task).
CIRCUIT_CHANNELS = (Channel.EMAIL, Channel.SMS)


def circuits(now=None) -> list[Circuit]:
    """Each provider channel's breaker (notifications.circuit), closed if it
    never failed."""
    now = now or timezone.now()
    rows = {row.channel: row for row in ProviderCircuit.objects.filter(channel__in=CIRCUIT_CHANNELS)}
    result = []
    for channel in CIRCUIT_CHANNELS:
        row = rows.get(channel)
        if row is None:
            result.append(Circuit(channel, breaker.CLOSED, 0, None, 0))
            continue
        state = breaker.state(row.consecutive_failures, row.open_until, now)
        result.append(Circuit(channel, state, row.consecutive_failures, row.open_until, row.opened_count))
    return result


# --- django-q2 ---------------------------------------------------------------------------

FAILED_TASKS_WINDOW = datetime.timedelta(hours=24)
# A schedule this late means no qcluster is running (the sweeper runs each minute).
SCHEDULE_LATE_AFTER = datetime.timedelta(minutes=5)


def task_queue(now=None) -> dict:
    """django-q2's queue: the broker, tasks waiting, tasks a cluster holds.
    With Redis only the waiting count is known (Redis keeps no receipts);
    None if Redis cannot be reached."""
    now = now or timezone.now()
    if Conf.ORM:
        counts = OrmQ.objects.using(Conf.ORM).aggregate(
            waiting=Count("id", filter=Q(lock__lte=now)), in_flight=Count("id", filter=Q(lock__gt=now))
        )
        return {"broker": "orm", **counts}
    try:
        waiting = get_broker().queue_size()  # LLEN of the list django-q2 pushes tasks onto
    except Exception:  # the broker may be down: /healthz says so; this page still shows the rest
        waiting = None
    return {"broker": "redis", "waiting": waiting, "in_flight": None}


def failed_tasks(now=None, limit=10) -> list[dict]:
    """django-q2 tasks that failed in the last day, by function: how many,
    the last one. Function names only (a task's arguments and result can
    hold personal data)."""
    now = now or timezone.now()
    return list(
        Task.objects.filter(success=False, stopped__gte=now - FAILED_TASKS_WINDOW)
        .order_by()
        .values("func")
        .annotate(count=Count("id"), last=Max("stopped"))
        .order_by("-count", "func")[:limit]
    )


def failed_task_count(now=None) -> int:
    now = now or timezone.now()
    return Task.objects.filter(success=False, stopped__gte=now - FAILED_TASKS_WINDOW).count()


def schedules(now=None) -> list[dict]:
    """Every django-q2 schedule: when it runs next, whether that is late (no
    cluster running) and whether its last run failed."""
    now = now or timezone.now()
    last = Task.objects.filter(id=OuterRef("task"))
    rows = Schedule.objects.annotate(
        last_success=Subquery(last.values("success")[:1]), last_stopped=Subquery(last.values("stopped")[:1])
    ).order_by("name")
    return [
        {
            "name": row.name,
            "func": row.func,
            "next_run": row.next_run,
            "late": row.next_run is not None and row.next_run < now - SCHEDULE_LATE_AFTER,
            "last_run": row.last_stopped,
            "last_failed": row.last_success is False,
        }
        for row in rows
    ]


# --- The business calendar ------------------------------------------------------------------


def calendar_status(today=None) -> dict:
    """This year and the next: entered as announced by the State Council,
    entered as a draft, or only estimated by the `holidays` package; the year
    head office should enter now; open cases with an estimated deadline."""
    today = today or timezone.localdate()
    snapshot = calendar.load()
    years = []
    for year in (today.year, today.year + 1):
        entry = snapshot.year(year)
        years.append({"year": year, "announced": entry.announced, "stored": entry.stored, "source": entry.source})
    return {
        "years": years,
        "unannounced": calendar.unannounced_year(today, snapshot),
        "provisional": provisional_count(),
    }
