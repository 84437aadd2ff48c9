import datetime
import re

import pytest
from django.db import connection
from django.utils import timezone

from cases import selectors, services
from cases.models import LoanCase
from cases.states import CaseState
from tests.base import MONDAY, make_case, requires_postgres


def test_staff_see_only_their_branch_and_head_office_sees_all(branch_a, branch_b, officer, outsider, head_office):
    mine = make_case(branch_a, officer)
    theirs = make_case(branch_b, outsider)
    assert list(selectors.cases_for_user(officer)) == [mine]
    assert list(selectors.cases_for_user(outsider)) == [theirs]
    assert set(selectors.cases_for_user(head_office)) == {mine, theirs}
    with pytest.raises(LoanCase.DoesNotExist):
        selectors.case_get_for_user(officer, theirs.number)


def test_overdue_and_due_soon(branch_a, officer, supervisor):
    # Submitted Monday 2 March with a 5-day SLA: due by the end of Monday 9 March.
    case = make_case(branch_a, officer, at=MONDAY)
    tuesday_after = MONDAY + datetime.timedelta(days=8)
    assert list(selectors.case_list_overdue(officer, now=tuesday_after)) == [case]
    assert selectors.business_days_overdue(case, now=tuesday_after) == 1
    friday = MONDAY + datetime.timedelta(days=4)
    assert list(selectors.case_list_overdue(officer, now=friday)) == []
    assert list(selectors.case_list_due_soon(officer, now=friday, business_days=1)) == [case]
    assert list(selectors.case_list_due_soon(officer, now=MONDAY, business_days=1)) == []
    # A held case has no clock; a final case is never overdue.
    services.case_transition(name="hold", case=case, actor=supervisor, reason="政策", at=MONDAY + datetime.timedelta(hours=1))
    assert list(selectors.case_list_overdue(officer, now=tuesday_after)) == []


def test_overdue_list_is_one_query_whatever_its_length(branch_a, officer, django_assert_max_num_queries):
    for _ in range(30):
        make_case(branch_a, officer, at=MONDAY)
    later = MONDAY + datetime.timedelta(days=30)
    assert not officer.is_head_office  # the role is read once per request, before the list
    with django_assert_max_num_queries(1):
        rows = list(selectors.case_list_overdue(officer, now=later).select_related("branch", "officer")[:25])
    assert len(rows) == 25


def _bulk_cases(branch, officer, count, open_share=0.05):
    """Many cases straight into the table, as a bank's history would have them:
    most final (no deadline), a few open."""
    now = timezone.now()
    rows = []
    for i in range(count):
        is_open = i % int(1 / open_share) == 0
        rows.append(
            LoanCase(
                number=f"HL-2026-{i + 1:06d}",
                branch=branch,
                officer=officer,
                borrower_name="测试",
                borrower_id_number="11010519491231002X",
                property_address="x",
                loan_amount=1,
                entered_state_at=now,
                due_at=now + datetime.timedelta(hours=i % 500 - 250) if is_open else None,
                status=CaseState.UNDER_REVIEW if is_open else CaseState.DISBURSED,
            )
        )
    LoanCase.objects.bulk_create(rows, batch_size=5000)


@requires_postgres
def test_overdue_uses_the_partial_due_index_on_postgres(branch_a, branch_b, officer, head_office):
    _bulk_cases(branch_a, officer, 40000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_loancase")
    plan = selectors.case_list_overdue(head_office)[:50].explain()
    assert re.search(r"Index (Only )?Scan using case_open_|Bitmap Index Scan on case_open_", plan), plan
    assert "Seq Scan" not in plan, plan
    plan = selectors.case_list_overdue(officer)[:50].explain()
    assert re.search(r"Index (Only )?Scan using case_open_branch_due_idx|Bitmap Index Scan on case_open_branch_due_idx", plan), plan
    assert "Seq Scan" not in plan, plan
