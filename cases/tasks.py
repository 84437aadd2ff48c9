"""django-q2 entry points of the cases app. Thin: each calls one service."""

from cases import services


def recompute_deadlines():
    """After a calendar edit (queued on commit), and hourly as a safety net."""
    result = services.calendar_recompute_pending()
    return f"checked {result.checked}, later {result.later}, earlier {result.earlier}, same day {result.same_day}"
