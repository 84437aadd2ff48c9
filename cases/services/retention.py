"""Retention (PIPL Art. 19, 47): a closed case keeps the borrower's personal
data for settings.RETENTION_CLOSED_CASE_DAYS after it closed (entered
disbursed, rejected or withdrawn); then the daily job anonymises it.

Anonymising keeps the record and removes the person: the case number,
amount, states, deadlines, dates and every audit row stay, so reports,
SLA figures and the audit trail still add up; the name, ID number and
property address become cases.models.ANONYMISED, the contacts are blanked
(nothing can be sent to them), and every text that quoted the borrower
(reasons, notes, notices, questions, providers' answers, events out) is
scrubbed or replaced. Each case is done in its own transaction, with a
CaseAnonymisation audit row that counts what changed and holds nothing
personal. The status-page link stops working.

Idempotent: an anonymised case is never selected again (anonymised_at), and
a row that holds nothing personal any more is not written. Batched: the
cases due are walked by id, `batch_size` at a time, a bounded number of
queries per case whatever the table sizes. A dry run reads the same rows
and says what would change, writing nothing.
"""

import dataclasses
import datetime
import re
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases import signals
from cases.anonymise import marker, rows_anonymise
from cases.identity import mask_contact, mask_id_number, normalize_id_number
from cases.models import (
    ANONYMISED,
    CaseAnonymisation,
    CaseImport,
    CaseTransition,
    ContactCorrection,
    LoanCase,
)
from cases.states import FINAL_STATES
from notifications import retention as notification_retention

# The kinds of rows the job changes, in the order a report lists them.
KINDS = (
    "cases", "case_transitions", "contact_corrections", "notices", "delivery_events", "staff_tasks",
    "borrower_links", "webhook_deliveries", "import_reports",
)
# The columns of an import report whose values are the borrower's.
_PERSONAL_COLUMNS = frozenset(
    {"borrower_name", "borrower_id_number", "borrower_phone", "borrower_email", "property_address"}
)


@dataclasses.dataclass
class Anonymised:
    """What a run did (or, dry, would do)."""

    dry_run: bool
    days: int  # the retention period; 0: retention is off and nothing was done
    cutoff: datetime.datetime | None = None  # cases closed before this are due
    counts: Counter = dataclasses.field(default_factory=Counter)
    first: str = ""  # the first and last case numbers done
    last: str = ""

    @property
    def cases(self) -> int:
        return self.counts["cases"]


def retention_days() -> int:
    """The retention period in days; 0 switches anonymisation off."""
    return int(getattr(settings, "RETENTION_CLOSED_CASE_DAYS", 0) or 0)


def _due(cutoff):
    # Closed before the cutoff and not anonymised yet (case_to_anonymise_idx).
    return LoanCase.objects.filter(status__in=FINAL_STATES, anonymised_at__isnull=True, entered_state_at__lt=cutoff)


def closed_cases_anonymise(*, now=None, dry_run=False, via="schedule", batch_size=100, each=None) -> Anonymised:
    """Anonymise every case closed more than the retention period ago, and
    the import reports as old. `each(number, counts)` is called after each
    case (for a command to print as it goes). With dry_run nothing is written."""
    days = retention_days()
    result = Anonymised(dry_run=dry_run, days=days)
    if days <= 0:
        return result
    now = now or timezone.now()
    result.cutoff = cutoff = now - datetime.timedelta(days=days)
    last_id = 0
    while True:
        # Keyset paging: a case that is skipped (anonymised meanwhile by
        # another run) or done is never read again, and memory stays flat.
        ids = list(_due(cutoff).filter(id__gt=last_id).order_by("id").values_list("id", flat=True)[:batch_size])
        if not ids:
            break
        for pk in ids:
            done = case_anonymise(pk=pk, cutoff=cutoff, now=now, days=days, via=via, dry_run=dry_run)
            if done is None:
                continue
            number, counts = done
            result.counts.update(counts)
            result.first = result.first or number
            result.last = number
            if each is not None:
                each(number, counts)
        last_id = ids[-1]
    result.counts["import_reports"] = import_reports_anonymise(cutoff=cutoff, dry_run=dry_run, batch_size=batch_size)
    return result


def case_anonymise(*, pk, cutoff, now, days, via="schedule", dry_run=False):
    """Anonymise one case if it is still due, in one transaction: returns
    (its number, {kind: rows changed}), or None if it is not due (any more)."""
    with transaction.atomic():
        cases = _due(cutoff).filter(pk=pk)
        if not dry_run:
            # Serialises with the case's other writers (transitions, notices,
            # a concurrent run, which then finds it anonymised).
            cases = cases.select_for_update(of=("self",))
        case = cases.first()
        if case is None:
            return None
        scrub, scrub_json = _scrubbers(case)
        counts = {"cases": 1}

        reasons = set()

        def transition_values(record):
            reason = scrub(record.reason)
            if reason != record.reason:
                reasons.add(record.reason)
            return {"reason": reason, "payload": scrub_json(record.payload)}

        counts["case_transitions"] = rows_anonymise(
            CaseTransition.objects.filter(case=case), ["reason", "payload"], transition_values, dry_run=dry_run
        )
        counts["contact_corrections"] = rows_anonymise(
            ContactCorrection.objects.filter(case=case),
            ["old_masked", "new_masked", "note"],
            lambda correction: {
                "old_masked": marker(correction.old_masked),
                "new_masked": marker(correction.new_masked),
                "note": scrub(correction.note),
            },
            dry_run=dry_run,
        )
        counts.update(notification_retention.case_notices_anonymise(case=case, scrub=scrub, dry_run=dry_run))
        # The apps above the domain (the API's events out) blank their own.
        for _receiver, response in signals.case_anonymised.send(
            sender=LoanCase, case=case, scrub=scrub, reasons=frozenset(reasons), dry_run=dry_run
        ):
            counts.update(response or {})
        if not dry_run:
            LoanCase.objects.filter(pk=case.pk).update(
                borrower_name=ANONYMISED,
                borrower_id_number=ANONYMISED,
                # Blank, not a marker: no notice may ever go to them.
                borrower_phone="",
                borrower_email="",
                property_address=ANONYMISED,
                hold_reason=scrub(case.hold_reason),
                documents_outstanding=scrub_json(case.documents_outstanding),
                anonymised_at=now,
                # The API's "changed since" tells the systems following the case.
                updated_at=now,
            )
            CaseAnonymisation.objects.create(
                case=case, created_at=now, closed_at=case.entered_state_at, retention_days=days, via=via,
                counts={kind: n for kind, n in counts.items() if n},
            )
    return case.number, counts


def _scrubbers(case):
    """(scrub(text), scrub_json(value)): the borrower's name, ID number and
    every contact the case ever had (as stored, as a provider or a person
    may write it, and masked) replaced by the marker."""
    spellings, patterns = set(), []
    name = case.borrower_name.strip()
    if len(name) >= 2:  # a one-character "name" would eat ordinary words
        spellings.add(name)
    id_number = normalize_id_number(case.borrower_id_number)
    if id_number:
        spellings |= {id_number, mask_id_number(id_number)}
    contacts = {case.borrower_phone, case.borrower_email} | notification_retention.case_recipients(case)
    masked = {mask_contact(contact) for contact in contacts if contact}
    for contact in filter(None, contacts):
        if "@" in contact:
            spellings.add(contact)
        else:
            digits = re.sub(r"\D", "", contact)
            patterns.append(_phone_pattern(digits[2:] if contact.startswith("+86") else digits, r"\d"))
    # A corrected contact is kept only masked (in the correction, and the
    # notices were sent on to the new one), but a reason or a note may have
    # quoted it in full: the masked form, its stars standing for any digit,
    # finds it.
    for values in ContactCorrection.objects.filter(case=case).values_list("old_masked", "new_masked"):
        masked.update(value for value in values if value and value != ANONYMISED)
    patterns += [_masked_pattern(value) for value in masked]
    spellings |= masked
    # A masked value of all stars ("***") would match ordinary text.
    spellings = {s for s in spellings if len(s.replace("*", "")) >= 2 and s != ANONYMISED}
    alternatives = [p for p in patterns if p] + [re.escape(s) for s in sorted(spellings, key=len, reverse=True)]
    if not alternatives:
        return (lambda text: text), (lambda value: value)
    pattern = re.compile("|".join(alternatives), re.IGNORECASE)

    def scrub(text):
        return pattern.sub(ANONYMISED, text) if text else text

    def scrub_json(value):
        if isinstance(value, str):
            return scrub(value)
        if isinstance(value, list):
            return [scrub_json(item) for item in value]
        if isinstance(value, dict):
            return {key: scrub_json(item) for key, item in value.items()}
        return value

    return scrub, scrub_json


def _phone_pattern(national, star):
    """A mobile as people and gateways write it: 13812345678, 8613812345678,
    +86 138 1234 5678, 138-1234-5678. `star` is what a masked digit may be."""
    if len(national) < 7:
        return None
    digits = [star if digit == "*" else re.escape(digit) for digit in national]
    return r"(?:\+?86[\s-]?)?" + r"[\s-]?".join(digits)


def _masked_pattern(masked):
    """A pattern for the contact a masked value came from (cases.identity's
    mask_phone, mask_email), which also finds the masked value itself."""
    if "@" not in masked:
        return _phone_pattern(masked, r"[\d*]")
    local, domain = masked.rsplit("@", 1)
    stars = len(local) - 1
    if not local or stars < 3 or local[1:] != "*" * stars:
        return None
    # More than 3 stars: one per hidden character; exactly 3: up to 3.
    count = f"{{{stars}}}" if stars > 3 else "{0,3}"
    return re.escape(local[0]) + r"[^\s@<>\"',;]" + count + "@" + re.escape(domain)


def import_reports_anonymise(*, cutoff, dry_run=False, batch_size=100) -> int:
    """Import reports older than the cutoff: the values they quote from
    the borrowers' columns (names and addresses in full, the rest masked)
    become the marker. The rows to import are dropped a day after a check
    already (imports_forget_unimported). Returns how many reports change."""
    changed, last_id = 0, 0
    while True:
        reports = list(
            CaseImport.objects.filter(created_at__lt=cutoff, id__gt=last_id).order_by("id").only("id", "problems")[:batch_size]
        )
        if not reports:
            return changed
        for report in reports:
            problems = [
                {**problem, "value": marker(problem.get("value"))}
                if problem.get("column") in _PERSONAL_COLUMNS else problem
                for problem in report.problems
            ]
            if problems != report.problems:
                changed += 1
                if not dry_run:
                    CaseImport.objects.filter(pk=report.pk).update(problems=problems)
        last_id = reports[-1].pk
