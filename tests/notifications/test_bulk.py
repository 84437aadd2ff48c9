"""Bulk policy hold and resume: the same checks and writes as one transition
at a time, in a constant number of queries."""

import pytest

from cases import services
from cases.models import CaseTransition, LoanCase
from cases.selectors import cases_for_user
from cases.services import TransitionRefused, cases_hold, cases_resume
from notifications.models import Channel, Notification
from tests.base import MONDAY, drive_to, make_case


def many_cases(branch, officer, people, count, state="under_review"):
    cases = [make_case(branch, officer) for _ in range(count)]
    for case in cases:
        drive_to(case, state, people)
    return cases


def test_it_holds_each_case_with_its_audit_row_deadline_and_notices(branch_a, officer, supervisor, people):
    cases = many_cases(branch_a, officer, people, 3)

    result = cases_hold(cases=cases_for_user(supervisor), actor=supervisor, reason="房贷政策调整")

    assert (result.changed, result.skipped) == (3, 0)
    for case in cases:
        case.refresh_from_db()
        assert case.status == "on_hold" and case.held_from == "under_review" and case.due_at is None
        record = CaseTransition.objects.get(case=case, transition="hold")
        assert record.actor == supervisor and record.reason == "房贷政策调整"
        assert {n.channel for n in record.notifications.all()} == {Channel.EMAIL, Channel.SMS, Channel.STATUS_PAGE}
        assert "房贷政策调整" in record.notifications.get(channel=Channel.SMS).body
    assert result.notices == 9


def test_resume_returns_each_case_to_where_it_was_with_a_new_deadline(branch_a, officer, supervisor, people):
    reviewing = many_cases(branch_a, officer, people, 2)
    approved = many_cases(branch_a, officer, people, 1, state="approved")
    cases_hold(cases=cases_for_user(supervisor), actor=supervisor, reason="政策调整")

    result = cases_resume(cases=cases_for_user(supervisor), actor=supervisor)

    assert result.changed == 3
    for case in reviewing + approved:
        before = case.status
        case.refresh_from_db()
        assert case.status == before and case.due_at is not None
        assert Notification.objects.filter(case=case, key="resume", channel=Channel.SMS).exists()


def test_it_skips_cases_that_cannot_be_held_and_those_of_another_branch(
    branch_a, branch_b, officer, outsider, supervisor, people
):
    holdable = many_cases(branch_a, officer, people, 2)
    done = make_case(branch_a, officer)
    drive_to(done, "withdrawn", people)
    theirs = make_case(branch_b, outsider)

    result = cases_hold(cases=LoanCase.objects.all(), actor=supervisor, reason="政策调整")

    assert (result.changed, result.skipped) == (2, 2)
    assert LoanCase.objects.get(pk=theirs.pk).status == "submitted"
    assert not Notification.objects.filter(case=theirs).exists()
    assert all(LoanCase.objects.get(pk=c.pk).status == "on_hold" for c in holdable)


def test_it_refuses_without_a_reason_or_permission_and_writes_nothing(branch_a, officer, supervisor, people):
    many_cases(branch_a, officer, people, 2)
    before = (CaseTransition.objects.count(), Notification.objects.count())
    with pytest.raises(TransitionRefused) as refused:
        cases_hold(cases=LoanCase.objects.all(), actor=supervisor, reason="  ")
    assert refused.value.code == "reason_required"
    with pytest.raises(TransitionRefused) as refused:
        cases_hold(cases=LoanCase.objects.all(), actor=officer, reason="政策调整")
    assert refused.value.code == "permission"
    assert (CaseTransition.objects.count(), Notification.objects.count()) == before


def test_it_holds_a_hundred_cases_without_a_round_trip_per_case(
    branch_a, officer, supervisor, people, django_assert_max_num_queries
):
    many_cases(branch_a, officer, people, 100, state="signed")
    # A dozen statements, plus the notice INSERTs and the bulk UPDATE that
    # SQLite's limit on query parameters splits into chunks (PostgreSQL: one each).
    with django_assert_max_num_queries(24):
        result = cases_hold(cases=cases_for_user(supervisor), actor=supervisor, reason="政策调整")
    assert result.changed == 100 and result.notices == 300


def test_a_single_transition_adds_three_queries_for_its_notices(case, officer, django_assert_max_num_queries):
    # The actor's roles and permissions (3, cached per request), savepoint,
    # lock, policies, update, audit row, release; the outbox adds the
    # templates, the branch (hotline) and one INSERT of all the notices.
    with django_assert_max_num_queries(12):
        services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)


def test_bulk_audit_rows_match_single_transitions(branch_a, officer, supervisor):
    from cases.models import CaseTransition, LoanCase
    from cases.services import cases_hold
    from tests.base import make_case

    bulk_case, single_case = make_case(branch_a, officer), make_case(branch_a, officer)
    cases_hold(cases=LoanCase.objects.filter(pk=bulk_case.pk), actor=supervisor, reason="政策调整")
    from cases import services

    services.case_transition(name="hold", case=single_case, actor=supervisor, reason="政策调整")
    fields = ["transition", "source", "target", "reason", "due_at", "left_due_at"]
    bulk_row = CaseTransition.objects.filter(case=bulk_case).values(*fields).get()
    single_row = CaseTransition.objects.filter(case=single_case).values(*fields).get()
    assert bulk_row["left_due_at"] is not None
    assert bulk_row == single_row
