"""django-q2 entry points of the cases app. Thin: each calls one service."""

from cases import services


def recompute_deadlines():
    """After a calendar edit (queued on commit), and hourly as a safety net."""
    result = services.calendar_recompute_pending()
    return f"checked {result.checked}, later {result.later}, earlier {result.earlier}, same day {result.same_day}"


def forget_unimported_rows():
    """Hourly: files checked a day ago and never imported keep no ID numbers."""
    return f"forgot {services.imports_forget_unimported()} unimported files"


def anonymise_closed_cases():
    """Daily: personal data out of cases closed longer ago than the retention period."""
    result = services.closed_cases_anonymise(via="schedule")
    if not result.days:
        return "retention off (RETENTION_CLOSED_CASE_DAYS=0): nothing anonymised"
    numbers = f" ({result.first} to {result.last})" if result.cases else ""
    return f"anonymised {result.cases} cases{numbers}, {result.counts['import_reports']} import reports"
