"""Deadlines that rest on the business calendar: saving a year (head office,
or manage.py load_calendar) and recomputing the open deadlines it touches."""

import dataclasses

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_q.tasks import async_task

from cases import calendar as business_calendar
from cases import selectors, sla
from cases.models import DeadlineChange, LoanCase
from notifications import services as notification_services


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
