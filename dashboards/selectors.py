"""Reads for the staff pages: my work, the overdue list and the supervisor
report, and a case's timeline. Notice and task reads are in
notifications.selectors.

Everything here is scoped the way cases.selectors.cases_for_user is: head
office sees all branches, everyone else their own branch. Lists return
querysets (the views paginate without counting); reports return small lists
of dicts, aggregated by the database.
"""

import dataclasses
import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from cases import selectors as case_selectors
from cases import sla
from cases.models import Branch, CaseAccessLog, CaseTransition, Role, User
from cases.states import OPEN_STATES, CaseState, Transition
from notifications.models import SENT_CHANNELS, Notification, NotificationStatus
from notifications.selectors import NOTICE_TARGET, notifications_for_user, percent_of

# The supervisor report aggregates weeks of notices across branches: seconds of
# database work at a large bank. Its figures are kept for a few minutes (the
# page says as of when), so a meeting room of supervisors does not redo it.
REPORT_CACHE_SECONDS = getattr(settings, "REPORT_CACHE_SECONDS", 300)


def cached_report(user, key, parts, compute):
    """(computed_at, rows) for one report table in the user's scope."""
    scope = "all" if user.is_head_office else f"branch{user.branch_id}"
    cache_key = ":".join(["report", scope, key, *(str(part) for part in parts)])
    hit = cache.get(cache_key)
    if hit is None:
        hit = (timezone.now(), compute())
        cache.set(cache_key, hit, REPORT_CACHE_SECONDS)
    return hit


def branches_for_user(user):
    if user.is_head_office:
        return Branch.objects.all()
    return Branch.objects.filter(pk=user.branch_id)


def staff_for_user(user):
    """The officers whose cases the user may see, by name."""
    return (
        User.objects.filter(case_selectors.branch_scope(user), is_active=True, groups__name=Role.OFFICER)
        .distinct()
        .order_by("branch__code", "last_name", "first_name", "username")
    )


def person_name(first, last, username) -> str:
    """Chinese names family name first without a space (王伟), others "First Last"."""
    first, last = (first or "").strip(), (last or "").strip()
    if not (first or last):
        return username
    if any(ord(ch) > 0x2E80 for ch in first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def staff_name(user) -> str:
    return person_name(user.first_name, user.last_name, user.username)


def start_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=sla.local_tz())


def my_open_cases(user):
    """The user's own open cases, most urgent first; held cases (no clock) last."""
    # Scoped like every staff list: an officer moved to another branch no
    # longer sees the cases of the old one.
    return (
        case_selectors.case_list_for_user(user)
        .filter(officer=user)
        .select_related("branch", "officer")
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )


def my_case_counts(user, now=None) -> dict:
    now = now or timezone.now()
    end_of_today = sla.end_of_day(case_selectors.today_local(now))
    return (
        case_selectors.case_list_for_user(user)
        .filter(officer=user)
        .aggregate(
            open=Count("id"),
            overdue=Count("id", filter=Q(due_at__lt=now)),
            due_today=Count("id", filter=Q(due_at__gte=now, due_at__lte=end_of_today)),
        )
    )


def _last_notice(field):
    latest = (
        Notification.objects.filter(case=OuterRef("pk"), channel__in=SENT_CHANNELS)
        .order_by("-created_at", "-id")
        .values(field)[:1]
    )
    return Subquery(latest)


def with_last_notice(cases):
    """Annotate each case with its latest borrower notice (one index probe per row shown)."""
    return cases.annotate(
        last_notice_channel=_last_notice("channel"),
        last_notice_status=_last_notice("status"),
        last_notice_at=_last_notice("created_at"),
    )


def overdue_cases(user, now=None):
    """Every open case past its deadline in the user's scope, most overdue first.

    Built on cases.selectors.case_list_overdue, so it stays a range scan of the
    partial due_at index whatever filters are added."""
    return with_last_notice(case_selectors.case_list_overdue(user, now=now).select_related("branch", "officer"))


def overdue_cutoff(min_days: int, now=None) -> datetime.datetime:
    """Cases due at or before this instant are at least `min_days` business days overdue."""
    return sla.business_days_back(now or timezone.now(), min_days)


def days_overdue(case, now=None, calendar=None):
    """Whole business days the case is past its deadline (0 if it is not)."""
    return case_selectors.business_days_overdue(case, now, calendar)


@dataclasses.dataclass
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def since(self):
        return start_of_day(self.start)

    @property
    def until(self):
        return sla.end_of_day(self.end)

    @classmethod
    def last_days(cls, days=30, now=None):
        today = case_selectors.today_local(now)
        return cls(start=today - datetime.timedelta(days=days - 1), end=today)


def _branch_filter(branch, prefix=""):
    return Q(**{f"{prefix}branch": branch}) if branch is not None else Q()


def overdue_counts(user, by, branch=None, now=None) -> list[dict]:
    """Overdue open cases counted by "branch", "stage" or "officer"."""
    fields = {
        "branch": ["branch__code", "branch__name"],
        "stage": ["status"],
        "officer": ["officer__username", "officer__first_name", "officer__last_name", "branch__name"],
    }[by]
    rows = (
        case_selectors.case_list_overdue(user, now=now)
        .filter(_branch_filter(branch))
        .order_by()
        .values(*fields)
        .annotate(overdue=Count("id"))
        .order_by("-overdue", *fields)
    )
    labels = dict(CaseState.choices)
    result = []
    for row in rows:
        if by == "stage":
            row["label"] = labels.get(row["status"], row["status"])
        elif by == "branch":
            row["label"] = row["branch__name"]
        else:
            row["label"] = person_name(row["officer__first_name"], row["officer__last_name"], row["officer__username"])
        result.append(row)
    return result


def sla_compliance(user, period, branch=None, now=None) -> list[dict]:
    """Per stage: moves out of the stage in the period that beat its deadline,
    moves that missed it, and cases still in the stage whose deadline passed
    in the period. Holds and withdrawals end no stage on time or late."""
    now = now or timezone.now()
    moves = (
        CaseTransition.objects.filter(
            case_selectors.branch_scope(user, "case__"),
            _branch_filter(branch, "case__"),
            created_at__gte=period.since,
            created_at__lt=period.until,
            left_due_at__isnull=False,
        )
        .exclude(transition__in=[Transition.HOLD, Transition.WITHDRAW])
        .values("source")
        .annotate(total=Count("id"), on_time=Count("id", filter=Q(created_at__lte=F("left_due_at"))))
        .order_by()
    )
    stats = {}
    for row in moves:
        stats[row["source"]] = {"on_time": row["on_time"], "late": row["total"] - row["on_time"], "still_late": 0}

    still_late = (
        case_selectors.case_list_overdue(user, now=now)
        .filter(_branch_filter(branch), due_at__gte=period.since, due_at__lt=min(period.until, now))
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    )
    for row in still_late:
        stats.setdefault(row["status"], {"on_time": 0, "late": 0, "still_late": 0})["still_late"] += row["n"]

    result = []
    for state in OPEN_STATES:
        if state == CaseState.ON_HOLD or state not in stats:
            continue
        entry = stats[state]
        total = entry["on_time"] + entry["late"] + entry["still_late"]
        result.append(
            {
                "status": state,
                "label": CaseState(state).label,
                "on_time": entry["on_time"],
                "late": entry["late"],
                "still_late": entry["still_late"],
                "total": total,
                "rate": percent_of(entry["on_time"], total),
            }
        )
    return result


def _notices_in(user, period, branch):
    return (
        notifications_for_user(user)
        .filter(
            _branch_filter(branch, "case__"),
            created_at__gte=period.since,
            created_at__lt=period.until,
            channel__in=SENT_CHANNELS,
        )
        .exclude(status=NotificationStatus.CANCELLED)
    )


# A notice counts for the KPI if the borrower had it within the target time.
MET_TARGET = Q(delivered_at__lte=F("created_at") + NOTICE_TARGET) | Q(
    acknowledged_at__lte=F("created_at") + NOTICE_TARGET
)


def notice_kpi_by_officer(user, period, branch=None) -> list[dict]:
    """Notification completion rate per officer: notices delivered or
    acknowledged within the target, over all notices of the officer's cases."""
    rows = (
        _notices_in(user, period, branch)
        .values(
            "case__officer__username",
            "case__officer__first_name",
            "case__officer__last_name",
            "case__branch__name",
        )
        .annotate(total=Count("id"), met=Count("id", filter=MET_TARGET))
        .order_by("case__branch__name", "case__officer__username")
    )
    result = []
    for row in rows:
        result.append(
            {
                "username": row["case__officer__username"],
                "label": person_name(
                    row["case__officer__first_name"], row["case__officer__last_name"], row["case__officer__username"]
                ),
                # The branch of the cases (an officer who moved has a row
                # per branch); two officers may also share a name.
                "branch": row["case__branch__name"],
                "total": row["total"],
                "met": row["met"],
                "rate": percent_of(row["met"], row["total"]),
            }
        )
    return result


def notice_trend(user, end_day, days=30, branch=None) -> list[dict]:
    """Per day for `days` days up to `end_day`: notices sent and the share that met the target."""
    period = Period(start=end_day - datetime.timedelta(days=days - 1), end=end_day)
    rows = (
        _notices_in(user, period, branch)
        .annotate(day=TruncDate("created_at", tzinfo=sla.local_tz()))
        .values("day")
        .annotate(total=Count("id"), met=Count("id", filter=MET_TARGET))
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    result = []
    for offset in range(days):
        day = period.start + datetime.timedelta(days=offset)
        row = by_day.get(day, {"total": 0, "met": 0})
        result.append(
            {"day": day, "total": row["total"], "met": row["met"], "rate": percent_of(row["met"], row["total"])}
        )
    return result


@dataclasses.dataclass
class TimelineEntry:
    at: datetime.datetime
    kind: str  # "transition", "notice" or "task"
    item: object


def case_timeline(case) -> list[TimelineEntry]:
    """Transitions, deadline changes, contact corrections, notices (with their
    delivery events) and tasks, newest first (within one moment, the change
    of state before the notices it sent). Six queries whatever the length of
    the case's history."""
    entries = [TimelineEntry(t.created_at, "transition", t) for t in case_selectors.case_history(case)]
    notices = case.notifications.prefetch_related("events").order_by("created_at", "id")
    entries += [TimelineEntry(n.created_at, "notice", n) for n in notices]
    tasks = case.tasks.select_related("assigned_to", "completed_by").order_by("created_at", "id")
    entries += [TimelineEntry(t.created_at, "task", t) for t in tasks]
    changes = case.deadline_changes.select_related("actor").order_by("created_at", "id")
    entries += [TimelineEntry(c.created_at, "deadline", c) for c in changes]
    corrections = case.contact_corrections.select_related("actor").order_by("created_at", "id")
    entries += [TimelineEntry(c.created_at, "contact", c) for c in corrections]
    # How the case was opened: its first entry (the bottom of the list).
    entries.append(TimelineEntry(case.created_at, "opened", case))
    order = {"transition": 0, "deadline": 1, "contact": 2, "notice": 3, "task": 4, "opened": 9}
    entries.sort(key=lambda e: (e.at, -order[e.kind]), reverse=True)
    return entries


def access_log(user, period, case_number=""):
    """Who saw or found which borrower's personal data in the period, newest
    first, for the cases the user may see."""
    rows = (
        CaseAccessLog.objects.filter(
            case_selectors.branch_scope(user, "case__"), created_at__gte=period.since, created_at__lt=period.until
        )
        .select_related("user", "case", "case__branch")
        .order_by("-created_at", "-id")
    )
    if case_number:
        rows = rows.filter(case__number=case_number.strip().upper())
    return rows
