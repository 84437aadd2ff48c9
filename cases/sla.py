"""Deadlines in China business days.

The calendar is the `holidays` package's China schedule, which includes the
State Council's make-up working days (调休), e.g. Saturday 2026-02-14. Only the
years listed in settings.BUSINESS_CALENDAR_YEARS count as announced; for any
other year the package would only estimate, so we refuse instead of guessing.
"""

import datetime
import functools
import zoneinfo

import holidays
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cases.states import FINAL_STATES, CaseState


class DeadlineUnknown(Exception):
    """No deadline can be computed; refuse rather than run without a clock."""


class NoSlaPolicy(DeadlineUnknown):
    def __init__(self, state):
        self.state = state
        super().__init__(
            _("There is no SLA policy for the state “%(state)s”; ask an administrator to add one.")
            % {"state": CaseState(state).label}
        )


class CalendarNotCovered(DeadlineUnknown):
    def __init__(self, year):
        self.year = year
        super().__init__(
            _(
                "The business calendar for %(year)s has not been announced or loaded; "
                "deadlines in that year cannot be computed. Ask an administrator to "
                "update the holiday calendar."
            )
            % {"year": year}
        )


def local_tz():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@functools.lru_cache(maxsize=8)
def _calendar(years: tuple):
    return holidays.country_holidays("CN", years=years)


def _covered_calendar(year: int):
    years = tuple(sorted(settings.BUSINESS_CALENDAR_YEARS))
    if year not in years:
        raise CalendarNotCovered(year)
    return _calendar(years)


def is_business_day(day: datetime.date) -> bool:
    return _covered_calendar(day.year).is_working_day(day)


def add_business_days(day: datetime.date, count: int) -> datetime.date:
    """The date `count` business days after `day` (day itself not counted)."""
    while count > 0:
        day += datetime.timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The instant a business day ends: local midnight that follows it."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=local_tz())


def deadline(start: datetime.datetime, business_days: int) -> datetime.datetime:
    """Due at the end of the n-th business day after the local day of `start`."""
    start_day = start.astimezone(local_tz()).date()
    return end_of_day(add_business_days(start_day, business_days))


def due_date(due_at: datetime.datetime) -> datetime.date:
    """The local calendar day a deadline falls on (the day it is due by)."""
    return (due_at.astimezone(local_tz()) - datetime.timedelta(microseconds=1)).date()


def business_days_back(now: datetime.datetime, count: int) -> datetime.datetime:
    """The local midnight that starts the count-th business day back from
    `now`, counting today if it is one (for 0, the midnight that ends today).
    A moment before it is at least `count` business days ago."""
    day = now.astimezone(local_tz()).date()
    counted = 0
    while counted < count:
        if is_business_day(day):
            counted += 1
        day -= datetime.timedelta(days=1)
    return end_of_day(day)


def business_days_between(start: datetime.date, end: datetime.date) -> int:
    """Business days after `start` up to and including `end` (0 if end <= start)."""
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_business_day(day):
            count += 1
    return count


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
    from cases.models import SlaPolicy

    for state, (days, clock) in DEFAULT_POLICIES.items():
        SlaPolicy.objects.get_or_create(state=state, defaults={"business_days": days, "clock": clock})


def load_policies() -> dict:
    from cases.models import SlaPolicy

    return {p.state: p.business_days for p in SlaPolicy.objects.all()}


def due_at_for(state: str, entered_at: datetime.datetime, policies: dict | None = None):
    """The stored deadline for a case entering `state`, or None if no clock runs."""
    if state in FINAL_STATES or state == CaseState.ON_HOLD:
        return None
    if policies is None:
        policies = load_policies()
    days = policies.get(state)
    if days is None:
        raise NoSlaPolicy(state)
    return deadline(entered_at, days)
