"""System checks: say early that a year's holiday schedule is still to be entered.

The calendar never stops the bank (a year not announced is estimated), but
deadlines in an estimated year are provisional until head office enters the
State Council's notice; these warnings appear on every `manage.py` command
(runserver, migrate, check), not only under --deploy.
"""

from django.core import checks
from django.db import DatabaseError
from django.utils import timezone

from cases import calendar


@checks.register()
def check_business_calendar(app_configs, **kwargs):
    try:
        snapshot = calendar.load()
    except DatabaseError:
        return []  # not migrated yet: migrate stores the announced years
    today = timezone.localdate()
    messages = []
    if not snapshot.is_announced(today.year):
        messages.append(
            checks.Warning(
                f"The business calendar of this year ({today.year}) is an estimate: deadlines are provisional.",
                hint="Enter the State Council's holiday schedule on the calendar page (/calendar/) "
                "or with `manage.py load_calendar`.",
                id="cases.W001",
            )
        )
    following = calendar.unannounced_year(today, snapshot)
    if following is not None and following != today.year:
        messages.append(
            checks.Warning(
                f"The holiday schedule of {following} has not been entered: deadlines that reach into "
                f"{following} are estimated (provisional) until it is.",
                hint="When the State Council publishes it, enter it on the calendar page (/calendar/) "
                "or with `manage.py load_calendar`.",
                id="cases.W002",
            )
        )
    return messages
