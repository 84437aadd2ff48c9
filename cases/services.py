"""The only write path for loan cases.

case_transition locks the row, checks scope, permission, four-eyes and guards,
runs the django-fsm-2 transition, writes the audit row, stores the new deadline
and writes the borrower's notices, all in one database transaction. Dispatch of
the notices is queued only after commit (transactional outbox).
"""

import dataclasses
from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition
from django_q.tasks import async_task

from cases import calendar as business_calendar
from cases import selectors, sla
from cases.identity import mask_contact, normalize_id_number, normalize_phone
from cases.models import (
    CaseAccessLog,
    CaseNumberSequence,
    CaseTransition,
    ContactCorrection,
    DeadlineChange,
    LoanCase,
)
from cases.states import FOUR_EYES, REASON_REQUIRED, CaseState, Transition
from loanflow.bulk_insert import insert_many
from notifications import services as notification_services


class TransitionRefused(Exception):
    """A transition that may not happen; nothing was written.

    `code` says which check refused it: not_found, wrong_state, permission,
    four_eyes, reason_required, guard, conflict, sla_policy. The business
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
              borrower_email="", property_address, loan_amount) -> LoanCase:
    """A validated, unsaved case in state `submitted`."""
    case = LoanCase(
        number=number,
        branch=branch,
        officer=officer,
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
    case.full_clean(exclude=["number", "status", "branch", "officer"], validate_unique=False, validate_constraints=False)
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
            _("A case that is “%(state)s” cannot be given “%(transition)s”.")
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
            notification_services.notices_write(notices)
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
    cases, records = [], []
    for case_fields, steps in batch:
        fields = dict(case_fields)
        at = fields.pop("at")
        case = _new_case(number=next(numbers[at.astimezone(sla.local_tz()).year]), at=at, **fields)
        _set_deadline(case, CaseState.SUBMITTED, at, policies, calendar)
        for name, actor, reason, payload, step_at in steps:
            try:
                records.append(
                    _apply_transition(
                        case, name, actor, (reason or "").strip(), dict(payload or {}), step_at, policies, calendar
                    )
                )
            except TransitionRefused:
                break
        cases.append(case)
    notices = notification_services.notices_build([(record.case, record) for record in records])
    return cases, records, notices


def _refresh(case, fresh):
    """Bring the caller's instance up to date without a second query."""
    for field in LoanCase._meta.concrete_fields:
        if field.attname != "status":
            setattr(case, field.attname, getattr(fresh, field.attname))
    case.__dict__["status"] = fresh.status
    case._update_initial_state()


def _verb(name):
    def fire(*, case, actor, reason="", payload=None, at=None):
        return case_transition(case=case, name=name, actor=actor, reason=reason, payload=payload, at=at)

    fire.__name__ = f"case_{name}"
    fire.__doc__ = f"Fire the `{name}` transition; see case_transition."
    return fire


case_sign = _verb(Transition.SIGN)
case_start_review = _verb(Transition.START_REVIEW)
case_approve = _verb(Transition.APPROVE)
case_reject = _verb(Transition.REJECT)
case_request_documents = _verb(Transition.REQUEST_DOCUMENTS)
case_receive_documents = _verb(Transition.RECEIVE_DOCUMENTS)
case_start_registration = _verb(Transition.START_REGISTRATION)
case_disburse = _verb(Transition.DISBURSE)
case_hold = _verb(Transition.HOLD)
case_resume = _verb(Transition.RESUME)
case_withdraw = _verb(Transition.WITHDRAW)


# --- The business calendar and the deadlines that rest on it -----------------------


@dataclasses.dataclass
class Recomputed:
    """What a recomputation of deadlines did."""

    checked: int = 0
    later: int = 0  # the borrower was told the new date
    earlier: int = 0
    same_day: int = 0  # the date stands; it became, or stopped being, an estimate
    now_final: int = 0  # of all the above, no longer estimated

    @property
    def moved(self) -> int:
        return self.later + self.earlier + self.same_day

    def add(self, other):
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def calendar_year_save(*, year, status, days, source="", actor, at=None, queue=True):
    """Store a year of the business calendar as head office entered it.

    The deadlines that count a changed day (and every estimated one) are then
    recomputed by a django-q2 task after commit (`queue`), or by the caller
    (manage.py load_calendar runs calendar_recompute_pending itself); should
    the task be lost, the hourly job finds the year still pending. `actor`
    None is the command line. `days` come checked from calendar.parse_rows."""
    if actor is not None and not actor.has_perm("cases.maintain_businessyear"):
        raise PermissionDenied(_("Only head office may change the business calendar."))
    row = business_calendar.year_store(year=year, status=status, days=days, source=source, actor=actor, at=at)
    if queue:
        transaction.on_commit(lambda: async_task(RECOMPUTE_TASK), robust=True)
    return row


RECOMPUTE_TASK = "cases.tasks.recompute_deadlines"


def calendar_recompute_pending(*, at=None) -> Recomputed:
    """Recompute the deadlines every pending calendar edit touches, then the
    estimated ones (a process may have computed one on a stale snapshot).
    What the queued task and the hourly job run; idempotent."""
    at = at or timezone.now()
    total = Recomputed()
    for row in business_calendar.pending_recomputations():
        reason = f"{row.year}: {row.source}" if row.source else str(row.year)
        result = case_deadlines_recompute(
            window=(row.recompute_from, row.recompute_to), actor=row.updated_by, reason=reason, at=at
        )
        business_calendar.year_mark_recomputed(row, result=dataclasses.asdict(result), at=timezone.now())
        total.add(result)
    total.add(case_deadlines_recompute(at=at))
    return total


def case_deadlines_recompute(*, window=None, actor=None, at=None, reason="", batch_size=500) -> Recomputed:
    """Recompute open deadlines on the calendar as it is stored now, from the
    time each case entered its state and the SLA it was computed with: every
    estimated one, and those that count a day of `window` (first, last).

    Each moved deadline gets a DeadlineChange audit row; a borrower whose
    date moved later is told (one notice, through the outbox). Idempotent:
    a deadline that comes out the same is left alone."""
    at = at or timezone.now()
    # Read, not the cached snapshot: this is what the edit is about.
    calendar = business_calendar.load()
    result = Recomputed()
    candidates = selectors.deadline_candidates(window)
    last_id = 0
    while True:
        rows = list(
            candidates.filter(id__gt=last_id)
            .order_by("id")
            .values_list("id", "entered_state_at", "sla_days", "due_at", "deadline_provisional")[:batch_size]
        )
        if not rows:
            return result
        last_id = rows[-1][0]
        result.checked += len(rows)
        stale = [row[0] for row in rows if sla.recomputed(*row[1:], calendar)]
        if stale:
            _recompute_batch(stale, calendar, actor, at, reason, result)


def _recompute_batch(ids, calendar, actor, at, reason, result):
    with transaction.atomic():
        # Locked and read again: a transition may have moved a case meanwhile.
        cases = list(
            selectors.deadline_candidates(None, provisional_only=False)
            .select_related("branch")
            .select_for_update(of=("self",))
            .filter(pk__in=ids)
            .order_by("id")
        )
        changes, later = [], []
        for case in cases:
            due = sla.recomputed(case.entered_state_at, case.sla_days, case.due_at, case.deadline_provisional, calendar)
            if due is None:
                continue
            changes.append(
                DeadlineChange(
                    case=case, old_due_at=case.due_at, new_due_at=due.at, old_provisional=case.deadline_provisional,
                    new_provisional=due.provisional, actor=actor, reason=reason[:300], created_at=at,
                )
            )
            old_day, new_day = sla.due_date(case.due_at), sla.due_date(due.at)
            if new_day > old_day:
                result.later += 1
                later.append((case, old_day))
            elif new_day < old_day:
                result.earlier += 1
            else:
                result.same_day += 1
            result.now_final += case.deadline_provisional and not due.provisional
            case.due_at, case.deadline_provisional, case.updated_at = due.at, due.provisional, timezone.now()
        changed = [change.case for change in changes]
        LoanCase.objects.bulk_update(changed, ["due_at", "deadline_provisional", "updated_at"])
        DeadlineChange.objects.bulk_create(changes)
        notification_services.notices_for_events(
            cases=[case for case, _old_day in later],
            key="deadline_moved",
            at=at,
            extra=[{"previous_date": old_day} for _case, old_day in later],
        )


# --- The borrower's contact details -------------------------------------------------


def normalize_contact(field, value) -> str:
    """The stored form of a new mobile (E.164) or email, or ValidationError
    with a message in the user's language."""
    value = (value or "").strip()
    if not value:
        raise ValidationError(_("Enter the new contact."), code="required")
    if field == ContactCorrection.Field.PHONE:
        return normalize_phone(value)
    validate_email(value)
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def case_correct_contact(*, case, actor, field, value, note="", at=None) -> ContactCorrection:
    """Correct the borrower's mobile or email after staff verified it.

    In one transaction: the case gets the new contact and that channel's
    "not working" flag is cleared; an audit row keeps the old and new values
    masked; the contact checks of the channel are done; the latest news that
    did not reach the borrower there goes to the new contact. Bad input
    raises ValidationError and writes nothing."""
    if not selectors.user_can_access_case(actor, case):
        _refuse("not_found", _("No such case."))
    if not actor.has_perm("cases.correct_contact_loancase"):
        _refuse("permission", _("You do not have permission to correct contact details."))
    if field not in ContactCorrection.Field.values:
        raise ValueError(field)
    new = normalize_contact(field, value)
    at = at or timezone.now()
    attribute, flag = (
        ("borrower_phone", "phone_unreachable") if field == ContactCorrection.Field.PHONE
        else ("borrower_email", "email_unreachable")
    )
    with transaction.atomic():
        locked = LoanCase.objects.select_related("branch").select_for_update(of=("self",)).get(pk=case.pk)
        old = getattr(locked, attribute)
        if old == new and not getattr(locked, flag):
            raise ValidationError(_("That is already the contact on file, and it works."), code="unchanged")
        setattr(locked, attribute, new)
        setattr(locked, flag, False)
        locked.save(update_fields=[attribute, flag, "updated_at"])
        # The note may quote the numbers ("called 138…"): masked as well.
        note = notification_services.hide_recipient(notification_services.hide_recipient((note or "").strip(), old), new)
        correction = ContactCorrection.objects.create(
            case=locked, field=field, old_masked=mask_contact(old), new_masked=mask_contact(new),
            note=note[:500], actor=actor, created_at=at,
        )
        channel = "sms" if field == ContactCorrection.Field.PHONE else "email"
        notification_services.contact_corrected(case=locked, channel=channel, actor=actor, at=at)
    _refresh(case, locked)
    return correction


def case_unmask(*, case, actor, what="borrower_id_number,borrower_phone,borrower_email"):
    """Record that `actor` was shown the case's unmasked personal data (PIPL).

    The caller shows the data only after this returns; without the permission
    nothing is written and TransitionRefused("permission") is raised."""
    if not selectors.user_can_access_case(actor, case):
        _refuse("not_found", _("No such case."))
    if not actor.has_perm("cases.unmask_loancase"):
        _refuse("permission", _("You do not have permission to see unmasked personal data."))
    return CaseAccessLog.objects.create(case=case, user=actor, what=what)


def case_resend_status_link(*, case, actor, at=None):
    """Issue a new status-page link (the old one stops working) and queue it to
    the borrower by email and SMS, in one transaction. Returns the notices."""
    if not selectors.user_can_access_case(actor, case):
        _refuse("not_found", _("No such case."))
    try:
        return notification_services.link_reissue_and_tell(case=case, channels=["email", "sms"], at=at)
    except notification_services.NoWorkingChannel:
        _refuse(
            "guard",
            _("The borrower has no reachable email or mobile phone; give them the link in person or by phone."),
        )