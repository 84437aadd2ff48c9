"""A case's state changes: opening a case, one transition, many at once
(policy holds), and importing histories. Every one goes through
_apply_transition: scope, state, permission, four-eyes, reason and guards,
the django-fsm-2 transition, the deadline, the immutable audit row; the
borrower's notices are written in the same transaction and queued after
commit (transactional outbox).
"""

import dataclasses
from collections import Counter

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition

from cases import calendar as business_calendar
from cases import selectors, signals, sla
from cases.identity import normalize_id_number, normalize_phone
from cases.models import Branch, CaseNumberSequence, CaseTransition, LoanCase
from cases.states import FOUR_EYES, REASON_REQUIRED, CaseState, Transition
from loanflow.bulk_insert import insert_many
from notifications import services as notification_services


class TransitionRefused(Exception):
    """A transition that may not happen; nothing was written.

    `code` says which check refused it: not_found, wrong_state, permission,
    four_eyes, separation_of_duties, reason_required, guard, conflict,
    sla_policy. The business
    calendar never refuses: a year not yet announced is estimated."""

    def __init__(self, code, message):
        self.code = code
        self.message = message
        super().__init__(str(message))

    def __str__(self):
        return str(self.message)


def _refuse(code, message):
    # Resolved now, in the language of the request that caused it.
    raise TransitionRefused(code, str(message))


def allocate_case_numbers(year: int, count: int = 1) -> list[str]:
    """Reserve `count` consecutive case numbers of the year, e.g. HL-2026-000123.

    Runs inside the caller's transaction; the sequence row is locked so two
    creators never get the same number."""
    with transaction.atomic():
        CaseNumberSequence.objects.get_or_create(year=year)
        seq = CaseNumberSequence.objects.select_for_update().get(year=year)
        first = seq.last_number + 1
        seq.last_number += count
        seq.save(update_fields=["last_number"])
    return [f"HL-{year}-{n:06d}" for n in range(first, first + count)]


def _new_case(*, number, at, branch, officer, borrower_name, borrower_id_number, borrower_phone="",
              borrower_email="", property_address, loan_amount, external_ref="", opened_by=None,
              opened_via="") -> LoanCase:
    """A validated, unsaved case in state `submitted`."""
    case = LoanCase(
        number=number,
        branch=branch,
        officer=officer,
        external_ref=(external_ref or "").strip(),
        opened_by=opened_by,
        opened_via=opened_via,
        borrower_name=borrower_name.strip(),
        borrower_id_number=normalize_id_number(borrower_id_number),
        borrower_phone=normalize_phone(borrower_phone) if borrower_phone else "",
        borrower_email=(borrower_email or "").strip(),
        property_address=property_address.strip(),
        loan_amount=loan_amount,
        entered_state_at=at,
        created_at=at,
    )
    # branch and officer come from code, not from input: no lookup to validate them.
    case.full_clean(exclude=["number", "status", "branch", "officer", "opened_by"], validate_unique=False,
                    validate_constraints=False)
    return case


def case_create(*, at=None, **fields) -> LoanCase:
    """Open a new case in state `submitted`, with its first deadline.

    Fields as in _new_case; bad data raises ValidationError and writes nothing."""
    at = at or timezone.now()
    with transaction.atomic():
        number = allocate_case_numbers(at.astimezone(sla.local_tz()).year)[0]
        case = _new_case(number=number, at=at, **fields)
        _set_deadline(case, CaseState.SUBMITTED, at)
        case.save()
    return case


def check_transition(case, name, actor, reason=""):
    """Raise TransitionRefused if `actor` may not fire `name` on `case` now.

    Used by the service under the row lock and by views to decide which
    buttons to show; it reads the instance only."""
    if not selectors.user_can_access_case(actor, case):
        _refuse("not_found", _("No such case."))
    method = getattr(case, name)
    meta = method._django_fsm
    spec = meta.get_transition(case.status)
    if spec is None or not meta.has_transition(case.status):
        _refuse(
            "wrong_state",
            _("“%(transition)s” is not possible while the case is “%(state)s”.")
            % {"state": case.get_status_display(), "transition": Transition(name).label},
        )
    if not actor.is_active or not spec.has_perm(case, actor):
        _refuse(
            "permission",
            _("You do not have permission to “%(transition)s”.") % {"transition": Transition(name).label},
        )
    if name in FOUR_EYES and case.signed_by_id == actor.pk:
        _refuse(
            "four_eyes",
            _("Four-eyes rule: you signed this case with the borrower, so someone else must “%(transition)s” it.")
            % {"transition": Transition(name).label},
        )
    # 贷放分控 (个人贷款管理暂行办法): whoever approved a loan may not also pay it out.
    if name == Transition.DISBURSE and case.approved_by_id == actor.pk:
        _refuse(
            "separation_of_duties",
            _("Separation of approval and disbursement (贷放分控): you approved this case, so someone else must "
              "disburse it."),
        )
    if name in REASON_REQUIRED and not (reason or "").strip():
        _refuse("reason_required", _("Please give a reason; the borrower will be told it."))
    for condition in spec.conditions:
        if not condition(case):
            _refuse("guard", condition.refusal_message)


def available_transitions(case, actor) -> list[str]:
    """The transitions this user may fire on the case now (a reason aside)."""
    names = []
    for name in Transition.values:
        try:
            check_transition(case, name, actor, reason="-")
        except TransitionRefused:
            continue
        names.append(name)
    return names


def _set_deadline(case, state, at, policies=None, calendar=None):
    """Store the deadline of the state the case enters at `at`."""
    try:
        due = sla.due_for(state, at, policies, calendar)
    except sla.NoSlaPolicy as exc:
        _refuse("sla_policy", str(exc))
    case.due_at, case.deadline_provisional, case.sla_days = due.at, due.provisional, due.sla_days


def _apply_transition(case, name, actor, reason, payload, at, policies=None, calendar=None) -> CaseTransition:
    """Check and apply a transition to an instance in memory; return the
    unsaved audit row. The callers below do the locking and the writes."""
    check_transition(case, name, actor, reason)
    source, left_due_at = case.status, case.due_at
    getattr(case, name)(actor=actor, reason=reason, payload=payload)
    case.entered_state_at = at
    _set_deadline(case, case.status, at, policies, calendar)
    return CaseTransition(
        case=case,
        transition=name,
        source=source,
        target=case.status,
        actor=actor,
        reason=reason,
        payload=payload,
        created_at=at,
        due_at=case.due_at,
        deadline_provisional=case.deadline_provisional,
        sla_days=case.sla_days,
        left_due_at=left_due_at,
    )


def case_transition(*, case, name, actor, reason="", payload=None, at=None) -> CaseTransition:
    """Fire transition `name` on `case` as `actor`. Returns the audit row.

    `case` is the caller's copy: if the stored case has moved on since the
    caller read it, the attempt is refused as a conflict rather than applied
    to a state the user never saw. `at` backdates the change (demo data and
    imports only; views never pass it)."""
    if name not in Transition.values:
        raise ValueError(f"Unknown transition {name!r}")
    reason = (reason or "").strip()
    payload = dict(payload or {})
    at = at or timezone.now()
    try:
        with transaction.atomic():
            # The branch comes along for the notices (hotline); only the case row is locked.
            locked = LoanCase.objects.select_related("branch").select_for_update(of=("self",)).get(pk=case.pk)
            if locked.status != case.status:
                _refuse(
                    "conflict",
                    _("Someone else changed this case meanwhile (it is now “%(state)s”). Reload the page and try again.")
                    % {"state": locked.get_status_display()},
                )
            record = _apply_transition(locked, name, actor, reason, payload, at)
            locked.save()
            record.save()
            notification_services.notices_for_transition(case=locked, record=record)
            signals.transitions_recorded.send(LoanCase, records=[record])
    except ConcurrentTransition:
        # The row changed between our lock and our save: only possible where
        # select_for_update is a no-op. Nothing was written.
        _refuse("conflict", _("Someone else changed this case meanwhile. Reload the page and try again."))
    _refresh(case, locked)
    return record


def cases_import_with_history(histories, *, batch_size=2000) -> int:
    """Create many new cases, each with a backdated history, in bulk.

    `histories` yields (case_fields, steps): case_fields as for case_create
    (plus `at`), steps a list of (name, actor, reason, payload, at). Each step
    goes through the same checks and deadline rules as case_transition; a
    refused step ends that case's history where it stands. For demo data and
    migrations from another system: the cases are new, so no row locks are
    needed, and the writes are a few multi-row INSERTs per batch.

    Each batch is built in memory (checks, deadlines, rendered notices), then
    written in one short transaction, so on SQLite the write lock is held only
    while writing and the app and other importers keep going. The case numbers
    of the next batch are reserved at the end of that transaction: a
    reservation of its own would wait for the write lock once more per batch.
    A batch that fails leaves a gap in the numbers."""
    policies = sla.load_policies()
    calendar = business_calendar.current()
    batches = _batches(histories, batch_size)
    batch = next(batches, None)
    numbers = _reserve_numbers(batch) if batch else None
    created = 0
    while batch:
        cases, records, notices = _build_batch(batch, numbers, policies, calendar)
        following = next(batches, None)
        with transaction.atomic():
            insert_many(cases)
            # Built before the rows had ids; insert_many fills in each foreign
            # key from the case or transition it points to.
            insert_many(records)
            notification_services.notices_write(notices, bulk=True)
            numbers = _reserve_numbers(following) if following else None
        created += len(cases)
        batch = following
    return created


def _batches(histories, size):
    batch = []
    for history in histories:
        batch.append(history)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _reserve_numbers(batch):
    """{year: iterator of case numbers} for the cases of a batch."""
    counts = Counter(case_fields["at"].astimezone(sla.local_tz()).year for case_fields, _ in batch)
    # Years in order: two importers locking the same two sequence rows in
    # opposite orders would deadlock.
    return {year: iter(allocate_case_numbers(year, counts[year])) for year in sorted(counts)}


def _build_batch(batch, numbers, policies, calendar):
    """The batch's unsaved cases, audit rows and rendered notices."""
    cases, records, notices = [], [], []
    for case_fields, steps in batch:
        fields = dict(case_fields)
        at = fields.pop("at")
        case = _new_case(number=next(numbers[at.astimezone(sla.local_tz()).year]), at=at, **fields)
        _set_deadline(case, CaseState.SUBMITTED, at, policies, calendar)
        for name, actor, reason, payload, step_at in steps:
            try:
                record = _apply_transition(
                    case, name, actor, (reason or "").strip(), dict(payload or {}), step_at, policies, calendar
                )
            except TransitionRefused:
                break
            records.append(record)
            # Rendered now, with the case as it stands after this step: each
            # message tells the stage and the date of its own moment.
            notices += notification_services.notices_build([(case, record)])
        cases.append(case)
    return cases, records, notices


def _refresh(case, fresh):
    """Bring the caller's instance up to date without a second query."""
    for field in LoanCase._meta.concrete_fields:
        if field.attname != "status":
            setattr(case, field.attname, getattr(fresh, field.attname))
    case.__dict__["status"] = fresh.status
    case._update_initial_state()


# --- Policy holds: many cases at once ---------------------------------------------------
#
# The same _apply_transition and the same writes as case_transition; only the
# round trips differ: the cases are locked in one query, saved with one bulk
# UPDATE, and audit rows and notices go in with bulk INSERTs, all in one
# transaction.

BATCH = 500


@dataclasses.dataclass
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
    signals.transitions_recorded.send(LoanCase, records=records)
    result.changed += len(changed)
    result.notices += len(notices)


def _branches(ids):
    return Branch.objects.filter(pk__in=ids)
