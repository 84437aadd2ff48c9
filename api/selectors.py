"""Reads for the API, always within the client's branches (its service
account's scope): a case of another branch is a 404, as on the pages."""

from django.utils import timezone

from cases import selectors as case_selectors
from cases.models import Branch, LoanCase
from cases.states import FINAL_STATES


def cases_for_client(client):
    return case_selectors.cases_for_user(client.user).select_related("branch", "officer")


def case_for_client(client, number) -> LoanCase:
    """LoanCase.DoesNotExist outside the client's branches."""
    return cases_for_client(client).get(number=number)


def case_list(client, *, state=None, branch=None, overdue=None, updated_since=None, now=None):
    cases = cases_for_client(client)
    if state:
        cases = cases.filter(status=state)
    if branch is not None:
        cases = cases.filter(branch=branch)
    if overdue is not None:
        now = now or timezone.now()
        late = cases.exclude(status__in=FINAL_STATES).filter(due_at__lt=now)
        cases = late if overdue else cases.exclude(pk__in=late.values("pk"))
    if updated_since is not None:
        cases = cases.filter(updated_at__gte=updated_since)
    return cases


def branch_for_client(client, code) -> Branch:
    """Branch.DoesNotExist for a code unknown or outside the client's scope."""
    branch = Branch.objects.get(code__iexact=code)
    if not (client.user.is_head_office or client.user.branch_id == branch.pk):
        raise Branch.DoesNotExist
    return branch


def case_timeline(case):
    return list(case.transitions.select_related("actor").order_by("created_at", "id"))


def case_notices(case):
    return list(case.notifications.order_by("created_at", "id"))
