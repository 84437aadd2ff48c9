"""Template context for every staff page."""

from django.utils import timezone

from cases import calendar


def calendar_warning(request):
    """Head office keeps the calendar: a link in the navigation, and a banner
    while this year, or from 1 November the next, is not entered. The
    calendar snapshot is cached, and nobody else costs a query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_head_office:
        return {}
    if not user.has_perm("cases.maintain_businessyear"):
        return {}
    return {
        "can_maintain_calendar": True,
        "calendar_unannounced": calendar.unannounced_year(timezone.localdate()),
    }
