"""The full transition matrix: every (state, transition, role), allowed or
refused with the right reason, and nothing written when refused."""

import pytest
from django.db import transaction
from django.utils.translation import override

from cases import services
from cases.models import CaseTransition, LoanCase
from cases.services import TransitionRefused
from cases.states import CaseState, Transition
from tests.base import PATH_TO, drive_to, make_case

# The design's workflow table, written out independently of the model.
ALLOWED = {
    "submitted": {"sign", "hold", "withdraw"},
    "signed": {"start_review", "hold", "withdraw"},
    "under_review": {"approve", "reject", "request_documents", "hold", "withdraw"},
    "documents_requested": {"receive_documents", "reject", "hold", "withdraw"},
    "approved": {"start_registration", "hold", "withdraw"},
    "registration": {"disburse", "hold", "withdraw"},
    "on_hold": {"resume", "withdraw"},
    "disbursed": set(),
    "rejected": set(),
    "withdrawn": set(),
}
ALL_ROLES = {"officer2", "supervisor", "head_office"}
SUPERVISORS = {"supervisor", "head_office"}
PERMITTED = {
    "sign": ALL_ROLES,
    "start_review": ALL_ROLES,
    "request_documents": ALL_ROLES,
    "receive_documents": ALL_ROLES,
    "start_registration": ALL_ROLES,
    "withdraw": ALL_ROLES,
    "approve": SUPERVISORS,
    "reject": SUPERVISORS,
    "disburse": SUPERVISORS,
    "hold": SUPERVISORS,
    "resume": SUPERVISORS,
}
EXPECTED_TARGET = {
    "sign": "signed",
    "start_review": "under_review",
    "approve": "approved",
    "reject": "rejected",
    "request_documents": "documents_requested",
    "receive_documents": "under_review",
    "start_registration": "registration",
    "disburse": "disbursed",
    "hold": "on_hold",
    "withdraw": "withdrawn",
}
ROLES = ["officer2", "supervisor", "head_office", "outsider", "outside_supervisor"]




def snapshot(case):
    row = LoanCase.objects.values().get(pk=case.pk)
    return row, CaseTransition.objects.filter(case=case).count()


def expected_outcome(state, name, role):
    if role in ("outsider", "outside_supervisor"):
        return "not_found"
    if name not in ALLOWED[state]:
        return "wrong_state"
    if role not in PERMITTED[name]:
        return "permission"
    if name == "disburse" and role == "supervisor":
        return "separation_of_duties"  # the supervisor approved it on PATH_TO's way (贷放分控)
    return "ok"


class Undo(Exception):
    """Rolls an attempt back, so every attempt starts from the same case."""


@pytest.mark.parametrize("state", list(PATH_TO))
def test_the_full_transition_matrix(state, branch_a, people):
    # One case per state; each (transition, role) attempt is made in a
    # savepoint that is rolled back, so it sees the case exactly as driven.
    driven = drive_to(make_case(branch_a, people["officer"]), state, people)
    before = snapshot(driven)
    for name in Transition.values:
        for role in ROLES:
            expected = expected_outcome(state, name, role)
            payload = {"documents": ["银行流水"]} if name == "request_documents" else None
            case = LoanCase.objects.get(pk=driven.pk)
            try:
                with transaction.atomic():
                    _attempt(case, state, name, role, people, expected, payload, before)
                    raise Undo
            except Undo:
                pass
            assert snapshot(driven) == before, (state, name, role)


def _attempt(case, state, name, role, people, expected, payload, before):
    try:
        record = services.case_transition(case=case, name=name, actor=people[role], reason="政策调整", payload=payload)
    except TransitionRefused as refused:
        assert refused.code == expected, (state, name, role, refused.code)
        assert snapshot(case) == before, (state, name, role)
        return
    assert expected == "ok", (state, name, role)
    target = "under_review" if name == "resume" else EXPECTED_TARGET[name]
    case.refresh_from_db()
    assert case.status == target
    assert (record.source, record.target, record.transition) == (state, target, name)
    assert record.actor == people[role]
    assert CaseTransition.objects.filter(case=case).count() == before[1] + 1
    if target in ("disbursed", "rejected", "withdrawn", "on_hold"):
        assert case.due_at is None
    else:
        assert case.due_at is not None and case.due_at > record.created_at


def test_refusals_say_why_in_chinese_and_english(case, supervisor):
    # The message is in the language active where the refusal happens (the request's).
    with override("zh-hans"), pytest.raises(TransitionRefused) as info:
        services.case_transition(name="approve", case=case, actor=supervisor)
    assert str(info.value) == "案件为“已受理”时不能执行“审批通过”。"
    with override("en"), pytest.raises(TransitionRefused) as info:
        services.case_transition(name="approve", case=case, actor=supervisor)
    assert str(info.value) == "“Approve” is not possible while the case is “Submitted”."


def test_four_eyes_the_signer_cannot_approve_or_disburse(branch_a, supervisor, supervisor2, officer, head_office):
    case = make_case(branch_a, officer)
    services.case_transition(name="sign", case=case, actor=supervisor)
    services.case_transition(name="start_review", case=case, actor=officer)
    with pytest.raises(TransitionRefused) as info:
        services.case_transition(name="approve", case=case, actor=supervisor)
    assert info.value.code == "four_eyes"
    services.case_transition(name="approve", case=case, actor=supervisor2)
    services.case_transition(name="start_registration", case=case, actor=officer)
    with pytest.raises(TransitionRefused) as info:
        services.case_transition(name="disburse", case=case, actor=supervisor)
    assert info.value.code == "four_eyes"
    services.case_transition(name="disburse", case=case, actor=head_office)  # neither signer nor approver
    assert case.status == "disbursed"


@pytest.mark.parametrize("name", ["reject", "hold", "withdraw", "request_documents"])
def test_transitions_the_borrower_must_understand_need_a_reason(name, branch_a, people):
    case = drive_to(make_case(branch_a, people["officer"]), "under_review", people)
    before = snapshot(case)
    with pytest.raises(TransitionRefused) as info:
        services.case_transition(case=case, name=name, actor=people["supervisor"], reason="   ")
    assert info.value.code == "reason_required"
    assert snapshot(case) == before


def test_approve_is_guarded_by_outstanding_documents(branch_a, people):
    case = drive_to(make_case(branch_a, people["officer"]), "under_review", people)
    LoanCase.objects.filter(pk=case.pk).update(documents_outstanding=["房产证复印件"])
    case.refresh_from_db()
    before = snapshot(case)
    with override("en"), pytest.raises(TransitionRefused) as info:
        services.case_transition(name="approve", case=case, actor=people["supervisor"])
    assert info.value.code == "guard"
    assert str(info.value) == "Documents are still outstanding; record them as received first."
    assert snapshot(case) == before


def test_sign_is_guarded_by_a_way_to_reach_the_borrower(branch_a, officer):
    case = make_case(branch_a, officer, borrower_phone="", borrower_email="")
    with pytest.raises(TransitionRefused) as info:
        services.case_transition(name="sign", case=case, actor=officer)
    assert info.value.code == "guard"


def test_documents_round_trip(branch_a, people):
    case = drive_to(make_case(branch_a, people["officer"]), "under_review", people)
    services.case_transition(name="request_documents",
        case=case, actor=people["officer"], reason="缺收入证明", payload={"documents": ["收入证明", "银行流水"]}
    )
    assert case.documents_outstanding == ["收入证明", "银行流水"]
    services.case_transition(name="receive_documents", case=case, actor=people["officer"])
    assert case.documents_outstanding == []
    services.case_transition(name="approve", case=case, actor=people["supervisor"])
    assert case.status == "approved"


@pytest.mark.parametrize("held_in", ["submitted", "signed", "under_review", "documents_requested", "approved", "registration"])
def test_resume_returns_to_the_state_the_case_was_held_in(held_in, branch_a, people):
    case = drive_to(make_case(branch_a, people["officer"]), held_in, people)
    services.case_transition(name="hold", case=case, actor=people["supervisor"], reason="贷款政策调整")
    assert (case.status, case.held_from, case.due_at) == ("on_hold", held_in, None)
    record = services.case_transition(name="resume", case=case, actor=people["supervisor"])
    assert case.status == held_in == record.target
    assert case.due_at is not None


def test_a_stale_copy_gets_a_conflict_not_a_second_transition(case, officer, officer2):
    stale = LoanCase.objects.get(pk=case.pk)
    services.case_transition(name="sign", case=case, actor=officer)
    with pytest.raises(TransitionRefused) as info:
        services.case_transition(name="sign", case=stale, actor=officer2)
    assert info.value.code == "conflict"
    assert case.transitions.count() == 1


def test_the_audit_trail_is_immutable(case, officer):
    record = services.case_transition(name="sign", case=case, actor=officer)
    with pytest.raises(ValueError):
        record.save()
    with pytest.raises(ValueError):
        record.delete()


def test_status_cannot_be_assigned_directly(case):
    with pytest.raises(AttributeError):
        case.status = CaseState.APPROVED


def test_inactive_staff_cannot_transition(case, officer2):
    officer2.is_active = False
    officer2.save()
    with pytest.raises(TransitionRefused) as info:
        services.case_transition(name="sign", case=case, actor=officer2)
    assert info.value.code == "not_found"


def test_available_transitions_are_what_the_user_may_press(branch_a, people):
    case = drive_to(make_case(branch_a, people["officer"]), "under_review", people)
    assert set(services.available_transitions(case, people["officer2"])) == {"request_documents", "withdraw"}
    assert set(services.available_transitions(case, people["supervisor"])) == {
        "approve", "reject", "request_documents", "hold", "withdraw",
    }
    assert services.available_transitions(case, people["outsider"]) == []


def test_the_approver_may_not_disburse(branch_a, supervisor, supervisor2, officer, people):
    case = drive_to(make_case(branch_a, officer), "registration", people)
    assert case.approved_by == supervisor
    with override("zh-hans"), pytest.raises(TransitionRefused) as info:
        services.case_transition(name="disburse", case=case, actor=supervisor)
    assert info.value.code == "separation_of_duties" and "贷放分控" in str(info.value)
    assert LoanCase.objects.get(pk=case.pk).status == "registration"
    services.case_transition(name="disburse", case=case, actor=supervisor2)
    assert LoanCase.objects.get(pk=case.pk).status == "disbursed"
