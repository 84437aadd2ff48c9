"""Deadlines in China business days.

Business days come from the business calendar the bank keeps (cases.calendar),
with the State Council's make-up working days (调休), e.g. Saturday 2026-02-14.
A deadline that depends on a year whose schedule is not announced yet is still
computed, on the estimate, and marked provisional: the calendar never stops
the bank. Every function takes an optional calendar snapshot, so a caller that
computes many dates (a table, an import) reads it once.
"""

import dataclasses
import datetime
import zoneinfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cases import calendar as business_calendar
from cases.models import SlaPolicy
from cases.states import FINAL_STATES, CaseState


class NoSlaPolicy(Exception):
    """No deadline can be computed: refuse rather than run without a clock."""

    def __init__(self, state):
        self.state = state
        super().__init__(
            _("There is no SLA policy for the state “%(state)s”; ask an administrator to add one.")
            % {"state": CaseState(state).label}
        )


def local_tz():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def is_business_day(day: datetime.date, calendar=None) -> bool:
    return (calendar or business_calendar.current()).is_business_day(day)


def add_business_days(day: datetime.date, count: int, calendar=None) -> datetime.date:
    """The date `count` business days after `day` (day itself not counted)."""
    calendar = calendar or business_calendar.current()
    while count > 0:
        day += datetime.timedelta(days=1)
        if calendar.is_business_day(day):
            count -= 1
    return day


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The instant a business day ends: local midnight that follows it."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=local_tz())


def local_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(local_tz()).date()


def deadline(start: datetime.datetime, business_days: int, calendar=None) -> datetime.datetime:
    """Due at the end of the n-th business day after the local day of `start`."""
    return end_of_day(add_business_days(local_day(start), business_days, calendar))


def due_date(due_at: datetime.datetime) -> datetime.date:
    """The local calendar day a deadline falls on (the day it is due by)."""
    return (due_at.astimezone(local_tz()) - datetime.timedelta(microseconds=1)).date()


def business_days_back(now: datetime.datetime, count: int, calendar=None) -> datetime.datetime:
    """The local midnight that starts the count-th business day back from
    `now`, counting today if it is one (for 0, the midnight that ends today).
    A moment before it is at least `count` business days ago."""
    calendar = calendar or business_calendar.current()
    day = local_day(now)
    counted = 0
    while counted < count:
        if calendar.is_business_day(day):
            counted += 1
        day -= datetime.timedelta(days=1)
    return end_of_day(day)


def business_days_between(start: datetime.date, end: datetime.date, calendar=None) -> int:
    """Business days after `start` up to and including `end` (0 if end <= start)."""
    calendar = calendar or business_calendar.current()
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if calendar.is_business_day(day):
            count += 1
    return count


@dataclasses.dataclass(frozen=True)
class Due:
    """A stored deadline: when, whether it rests on an estimated year, and
    the business days it was computed with (None when no clock runs)."""

    at: datetime.datetime | None = None
    provisional: bool = False
    sla_days: int | None = None


def due_in(entered_at: datetime.datetime, business_days: int, calendar=None) -> Due:
    """The deadline `business_days` after `entered_at`, provisional if any
    day counted lies in a year whose schedule is only estimated."""
    calendar = calendar or business_calendar.current()
    first_counted = local_day(entered_at) + datetime.timedelta(days=1)
    due_at = deadline(entered_at, business_days, calendar)
    estimated = calendar.estimated_years_between(first_counted, due_date(due_at))
    return Due(at=due_at, provisional=bool(estimated), sla_days=business_days)


# The design's defaults (business days, whose clock). Created after every
# migrate where missing (a fresh database, a flushed test database); never
# overwrites what an administrator set.
DEFAULT_POLICIES = {
    CaseState.SUBMITTED: (5, "bank"),
    CaseState.SIGNED: (1, "bank"),
    CaseState.UNDER_REVIEW: (5, "bank"),
    CaseState.DOCUMENTS_REQUESTED: (10, "borrower"),
    CaseState.APPROVED: (3, "bank"),
    CaseState.REGISTRATION: (10, "bank"),
}


def ensure_default_policies():
    for state, (days, clock) in DEFAULT_POLICIES.items():
        SlaPolicy.objects.get_or_create(state=state, defaults={"business_days": days, "clock": clock})


def load_policies() -> dict:
    return {p.state: p.business_days for p in SlaPolicy.objects.all()}


def recomputed(entered_at, business_days, due_at, provisional, calendar=None):
    """A stored deadline computed again on `calendar`: the new Due if it
    differs (another day, or provisional where it was not or the reverse),
    else None."""
    due = due_in(entered_at, business_days, calendar)
    return None if (due.at == due_at and due.provisional == provisional) else due


def due_for(state: str, entered_at: datetime.datetime, policies: dict | None = None, calendar=None) -> Due:
    """The stored deadline for a case entering `state` (Due() if no clock runs)."""
    if state in FINAL_STATES or state == CaseState.ON_HOLD:
        return Due()
    if policies is None:
        policies = load_policies()
    days = policies.get(state)
    if days is None:
        raise NoSlaPolicy(state)
    return due_in(entered_at, days, calendar)
