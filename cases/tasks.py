"""django-q2 entry points of the cases app. Thin: each calls one service."""

from cases import services


def recompute_deadlines():
    """After a calendar edit (queued on commit), and hourly as a safety net."""
    result = services.calendar_recompute_pending()
    return f"checked {result.checked}, later {result.later}, earlier {result.earlier}, same day {result.same_day}"


def forget_unimported_rows():
    """Hourly: files checked a day ago and never imported keep no ID numbers."""
    return f"forgot {services.imports_forget_unimported()} unimported files"
