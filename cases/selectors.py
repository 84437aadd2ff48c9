"""Reads of loan cases. Every staff-facing query starts from cases_for_user, so
a case of another branch is simply not there (a 404 in views)."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from cases import sla
from cases.identity import normalize_id_number, normalize_phone
from cases.models import LoanCase
from cases.states import FINAL_STATES


def branch_scope(user, prefix="") -> Q:
    """The filter that limits a model to the branches the user may see:
    head office all, others their own branch, nobody else anything.
    `prefix` reaches the branch from another model, e.g. "case__"."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_head_office:
        return Q()
    if user.branch_id is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}branch_id": user.branch_id})


def cases_for_user(user):
    """The cases a staff member may see."""
    return LoanCase.objects.filter(branch_scope(user))


def user_can_access_case(user, case) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_head_office or (user.branch_id is not None and user.branch_id == case.branch_id)


def case_get_for_user(user, number):
    """The case with this number if the user may see it, else LoanCase.DoesNotExist."""
    return cases_for_user(user).select_related("branch", "officer", "opened_by").get(number=number)


def _open(queryset):
    # Written exactly as the partial indexes' condition so that PostgreSQL can
    # prove the index applies.
    return queryset.exclude(status__in=FINAL_STATES)


def case_list_for_user(user):
    """Open cases in the user's scope, most urgent deadline first."""
    return _open(cases_for_user(user)).order_by("due_at", "id")


def case_list_overdue(user, now=None):
    """Open cases whose deadline has passed: a range scan of the due_at index."""
    now = now or timezone.now()
    return _open(cases_for_user(user)).filter(due_at__lt=now).order_by("due_at", "id")


def case_list_due_soon(user, now=None, business_days=1):
    """Open cases not yet overdue, due by the end of the n-th business day
    after today (0: due by the end of today)."""
    now = now or timezone.now()
    today = now.astimezone(sla.local_tz()).date()
    until = sla.end_of_day(sla.add_business_days(today, business_days))
    return (
        _open(cases_for_user(user))
        .filter(due_at__gte=now, due_at__lte=until)
        .order_by("due_at", "id")
    )


def business_days_overdue(case, now=None, calendar=None) -> int:
    """Whole business days since the deadline passed (0 when not overdue)."""
    if case.due_at is None:
        return 0
    now = now or timezone.now()
    if case.due_at >= now:
        return 0
    return sla.business_days_between(sla.due_date(case.due_at), sla.local_day(now), calendar)


def deadline_candidates(window, provisional_only=True):
    """Open cases whose deadline a calendar edit may move: every estimated
    one, and those that count a day of `window` (first, last), i.e. entered
    their state before its last day and are due on or after its first."""
    cases = _open(LoanCase.objects.filter(sla_days__isnull=False, due_at__isnull=False))
    if window is None:
        return cases.filter(deadline_provisional=True) if provisional_only else cases
    first, last = window
    counts_a_day = Q(
        entered_state_at__lt=datetime.datetime.combine(last, datetime.time(), tzinfo=sla.local_tz()),
        due_at__gt=datetime.datetime.combine(first, datetime.time(), tzinfo=sla.local_tz()),
    )
    return cases.filter(Q(deadline_provisional=True) | counts_a_day)


def deadlines_preview(calendar, window) -> dict:
    """What recomputing on `calendar` (a year as it would be entered) would
    do: counts of checked, later, earlier, same_day and now_final. Reads only."""
    counts = {"checked": 0, "later": 0, "earlier": 0, "same_day": 0, "now_final": 0}
    rows = deadline_candidates(window).values_list("entered_state_at", "sla_days", "due_at", "deadline_provisional")
    for entered_at, days, due_at, provisional in rows.iterator(chunk_size=2000):
        counts["checked"] += 1
        due = sla.recomputed(entered_at, days, due_at, provisional, calendar)
        if due is None:
            continue
        old_day, new_day = sla.due_date(due_at), sla.due_date(due.at)
        key = "later" if new_day > old_day else "earlier" if new_day < old_day else "same_day"
        counts[key] += 1
        counts["now_final"] += provisional and not due.provisional
    return counts


def provisional_count() -> int:
    """Open cases whose deadline rests on an estimated year."""
    return _open(LoanCase.objects.filter(deadline_provisional=True)).count()


def case_history(case):
    return case.transitions.select_related("actor").order_by("created_at", "id")


def today_local(now=None) -> datetime.date:
    return (now or timezone.now()).astimezone(sla.local_tz()).date()


# --- Staff search (hotline and counter) ---------------------------------------------

_CASE_NUMBER = re.compile(r"^HL-\d{4}-\d{6}$", re.IGNORECASE)
_LAST4 = re.compile(r"^[0-9]{3}[0-9Xx]$")
_ID_NUMBER = re.compile(r"^[0-9]{17}[0-9Xx]$")


class SearchKind:
    NUMBER = "number"  # case number or the origination system's reference
    PHONE = "phone"  # a full mobile number
    LAST4 = "last4"  # the last 4 of a mobile or of an ID number
    ID_NUMBER = "id_number"
    NAME = "name"
    # Searches that find a case by the borrower's personal data: logged.
    PERSONAL = (PHONE, LAST4, ID_NUMBER, NAME)


def case_search(user, query):
    """(kind, cases) for what a hotline agent typed, within the user's
    branches: a case number or external reference, a full mobile, the last 4
    digits of a mobile or ID number, a full ID number, or part of a name (2
    characters at least). (None, no cases) when the query says nothing."""
    query = " ".join((query or "").split())
    cases = cases_for_user(user).select_related("branch", "officer").order_by("-created_at", "-id")
    if not query:
        return None, cases.none()
    if _CASE_NUMBER.match(query):
        return SearchKind.NUMBER, cases.filter(number=query.upper())
    if _LAST4.match(query):
        return SearchKind.LAST4, cases.filter(
            Q(borrower_phone__endswith=query) | Q(borrower_id_number__endswith=query.upper())
        )
    if _ID_NUMBER.match(query):
        return SearchKind.ID_NUMBER, cases.filter(borrower_id_number=normalize_id_number(query))
    digits = re.sub(r"[\s-]", "", query)
    if digits.lstrip("+").isdigit() and len(digits) >= 11:
        try:
            return SearchKind.PHONE, cases.filter(borrower_phone=normalize_phone(digits))
        except ValidationError:
            return SearchKind.PHONE, cases.none()
    by_reference = cases.filter(external_ref=query)
    if by_reference.exists():
        return SearchKind.NUMBER, by_reference
    if len(query) >= 2:
        return SearchKind.NAME, cases.filter(borrower_name__contains=query)
    return None, cases.none()
