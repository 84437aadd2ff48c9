"""Policy holds: put many cases on hold with one reason, and resume them later.

Each case goes through the same checks and changes as
cases.services.case_transition (its _apply_transition: scope, state,
permission, four-eyes, reason, guards, deadline, audit row) and gets the same writes: its CaseTransition audit row, its new deadline and its
borrower notices (the same notice-writing function). Only the round trips
differ: the cases are locked in one query, saved with one bulk UPDATE, and
audit rows and notices go in with bulk INSERTs, all in one transaction.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import sla
from cases.models import CaseTransition, LoanCase
from cases.services import TransitionRefused, _apply_transition
from cases.states import Transition
from notifications import services as notification_services

BATCH = 500


@dataclass
class BulkResult:
    changed: int = 0
    skipped: int = 0  # not in a holdable/resumable state, or refused
    notices: int = 0


def cases_hold(*, cases, actor, reason) -> BulkResult:
    """Hold every case of `cases` (already scoped by the caller) that can be held."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused("reason_required", _("Please give a reason; the borrower will be told it."))
    return _bulk(cases, Transition.HOLD, actor, reason)


def cases_resume(*, cases, actor) -> BulkResult:
    """Resume every held case of `cases`, each to the state it was held in."""
    return _bulk(cases, Transition.RESUME, actor, "")


def _bulk(cases, name, actor, reason, at=None):
    if not actor.has_perm(f"cases.{name}_loancase"):
        raise TransitionRefused(
            "permission",
            _("You do not have permission to “%(transition)s”.") % {"transition": Transition(name).label},
        )
    at = at or timezone.now()
    result = BulkResult()
    with transaction.atomic():
        ids = list(cases.order_by().values_list("pk", flat=True))
        # A hold stops the clock (no policy needed); a resume restarts it.
        policies = sla.load_policies() if name == Transition.RESUME else None
        for start in range(0, len(ids), BATCH):
            _batch(ids[start:start + BATCH], name, actor, reason, at, policies, result)
    return result


def _batch(ids, name, actor, reason, at, policies, result):
    # Locked in id order, as single transitions lock one row: no deadlocks
    # between a bulk hold and a single transition.
    locked = list(LoanCase.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    # Branches for the notices' hotline, without a query per case.
    branches = {b.pk: b for b in _branches({case.branch_id for case in locked})}
    changed, records = [], []
    for case in locked:
        try:
            record = _apply_transition(case, name, actor, reason, {}, at, policies)
        except TransitionRefused as refused:
            if refused.code == "sla_policy":
                raise  # no deadline can be computed: refuse the whole batch
            result.skipped += 1
            continue
        case.updated_at = at
        case.branch = branches[case.branch_id]
        changed.append(case)
        records.append(record)
    result.skipped += len(ids) - len(locked)
    if not changed:
        return
    # Every field _apply_transition may set, the deadline's with it.
    LoanCase.objects.bulk_update(
        changed,
        ["status", "held_from", "hold_reason", "entered_state_at", "due_at", "deadline_provisional", "sla_days",
         "updated_at"],
    )
    CaseTransition.objects.bulk_create(records)
    notices = notification_services.notices_for_transitions(list(zip(changed, records)))
    result.changed += len(changed)
    result.notices += len(notices)


def _branches(ids):
    from cases.models import Branch

    return Branch.objects.filter(pk__in=ids)
