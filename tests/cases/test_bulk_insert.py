"""insert_many, the fast INSERT of imports and demo data, writes exactly what
bulk_create would, on SQLite and on PostgreSQL."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy

from cases.models import CaseTransition, LoanCase
from loanflow.bulk_insert import insert_many
from notifications.models import Notification
from tests.base import MONDAY, make_id_number

# More rows than one SQLite statement holds (999 parameters), so the
# chunking is exercised too.
COUNT = 150


def new_cases(branch, officer, prefix):
    return [
        LoanCase(
            number=f"{prefix}-{i:06d}",
            branch=branch,
            officer=officer,
            borrower_name="王芳",
            borrower_id_number=make_id_number(i),
            borrower_phone="+8613800138000" if i % 2 else "",
            borrower_email="",
            property_address="北京市朝阳区建国路1号",
            loan_amount=Decimal("1234567.89") + i,
            entered_state_at=MONDAY + datetime.timedelta(minutes=i),
            due_at=None if i % 3 else MONDAY + datetime.timedelta(days=1, microseconds=i),
            documents_outstanding=["收入证明", f"第{i}页"] if i % 4 else [],
            created_at=MONDAY,
        )
        for i in range(COUNT)
    ]


def stored(queryset):
    return [model_to_dict(row, exclude=["id", "uuid", "number", "updated_at"]) for row in queryset.order_by("number")]


def test_it_writes_the_same_rows_as_bulk_create_and_sets_the_ids(branch_a, officer):
    expected = LoanCase.objects.bulk_create(new_cases(branch_a, officer, "HL-BULK"))
    written = insert_many(new_cases(branch_a, officer, "HL-FAST"))

    assert all(case.pk for case in written)
    assert {case.pk: case.number for case in written} == dict(
        LoanCase.objects.filter(number__startswith="HL-FAST").values_list("pk", "number")
    )
    assert stored(LoanCase.objects.filter(number__startswith="HL-FAST")) == stored(
        LoanCase.objects.filter(number__startswith="HL-BULK")
    )
    assert LoanCase.objects.get(pk=written[0].pk).updated_at is not None  # auto_now is filled in
    assert len(expected) == COUNT


def test_foreign_keys_to_rows_written_just_before_are_filled_in(branch_a, officer):
    cases = new_cases(branch_a, officer, "HL-FK")[:3]
    # Built before the cases have ids, as an import builds them.
    records = [
        CaseTransition(case=case, transition="sign", source="submitted", target="signed", actor=officer,
                       created_at=MONDAY, payload={"documents": ["户口本"]})
        for case in cases
    ]
    notices = [
        Notification(case=record.case, transition=record, key="sign", channel="sms", created_at=MONDAY)
        for record in records
    ] + [Notification(case=cases[0], transition=None, key="progress_update", channel="sms", created_at=MONDAY)]

    insert_many(cases)
    insert_many(records)
    insert_many(notices)

    for record, case in zip(records, cases):
        assert CaseTransition.objects.get(pk=record.pk).case_id == case.pk
    assert [(n.case_id, n.transition_id) for n in Notification.objects.order_by("pk")] == [
        (case.pk, record.pk) for case, record in zip(cases, records)
    ] + [(cases[0].pk, None)]
    assert CaseTransition.objects.get(pk=records[0].pk).payload == {"documents": ["户口本"]}
    # The related objects stay with the new rows: reading them costs no query.
    assert notices[0].case is cases[0] and notices[0].transition is records[0]


def test_a_link_to_an_unsaved_row_or_a_row_with_an_id_is_refused(branch_a, officer):
    case = new_cases(branch_a, officer, "HL-BAD")[0]
    record = CaseTransition(case=case, transition="sign", source="submitted", target="signed", actor=officer,
                            created_at=MONDAY)
    with pytest.raises(ValueError, match="not saved"):
        insert_many([record])  # its case was never written: the link would be lost
    insert_many([case])
    with pytest.raises(ValueError, match="id already"):
        insert_many([case])
    assert CaseTransition.objects.count() == 0 and LoanCase.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_writes_all_or_nothing(branch_a, officer):
    cases = new_cases(branch_a, officer, "HL-ALL")
    cases[-1].number = cases[0].number  # unique: the last statement fails
    with pytest.raises(IntegrityError):
        insert_many(cases)
    assert LoanCase.objects.count() == 0


def test_values_are_prepared_as_their_columns_need(branch_a, officer):
    case = new_cases(branch_a, officer, "HL-LAZY")[0]
    case.property_address = gettext_lazy("北京市朝阳区建国路1号")
    insert_many([case])
    notice = Notification(case=case, key="sign", channel="sms", created_at=MONDAY, attempts=2.0)
    insert_many([notice])
    assert LoanCase.objects.get(pk=case.pk).property_address == "北京市朝阳区建国路1号"
    assert Notification.objects.get(pk=notice.pk).attempts == 2
