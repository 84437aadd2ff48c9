"""System checks: the business calendar must cover the years we compute in."""

import datetime

from django.conf import settings
from django.core import checks
from django.utils import timezone

from cases import sla


@checks.register()
def check_business_calendar(app_configs, **kwargs):
    messages = []
    years = settings.BUSINESS_CALENDAR_YEARS
    calendar = sla.holidays.country_holidays("CN", years=years) if years else None
    announced = {day.year for day in calendar.weekend_workdays} if calendar is not None else set()
    for year in years:
        if year not in announced:
            messages.append(
                checks.Error(
                    f"BUSINESS_CALENDAR_YEARS lists {year}, but the installed `holidays` package has no "
                    "make-up working days for it, so its schedule is only an estimate.",
                    hint="Upgrade `holidays` to a release with the State Council's schedule, or remove the year.",
                    id="cases.E001",
                )
            )
    today = timezone.localdate()
    if today.year not in years:
        messages.append(
            checks.Error(
                f"The business calendar does not cover this year ({today.year}): no deadline can be computed.",
                hint="Add the year to BUSINESS_CALENDAR_YEARS once `holidays` has its schedule.",
                id="cases.E002",
            )
        )
    return messages


@checks.register(deploy=True)
def check_next_year_calendar(app_configs, **kwargs):
    """Near the year's end, say (on --deploy) that next year is not loaded yet."""
    years = settings.BUSINESS_CALENDAR_YEARS
    today = timezone.localdate()
    messages = []
    if today.year in years and today.year + 1 not in years and today >= datetime.date(today.year, 11, 15):
        messages.append(
            checks.Info(
                f"{today.year + 1} is not in the business calendar yet: transitions whose deadline falls "
                f"in {today.year + 1} will be refused until its schedule is added.",
                id="cases.I001",
            )
        )
    return messages
