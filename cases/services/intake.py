"""New cases from outside the workflow: one at a time (the new-case form, the
integration API) and a file of many (an origination system's export), with
the same checks. Who may open a case in which branch, for which officer; a
real ID number, a mobile that exists, an amount in yuan; an external
reference not yet used in the branch. Bad input raises ValidationError in
the user's language, one message per field, and writes nothing; a file is
imported whole or not at all.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.identity import (
    mask_email,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
)
from cases.models import Branch, CaseImport, LoanCase, Role, User
from cases.services.transitions import TransitionRefused, _refuse, case_create, cases_import_with_history

FIELDS = ("external_ref", "branch", "officer", "borrower_name", "borrower_id_number", "borrower_phone",
          "borrower_email", "property_address", "loan_amount")
MAX_AMOUNT = Decimal("999999999999.99")
_AMOUNT = re.compile(r"^\d{1,3}(,\d{3})*(\.\d{1,2})?$|^\d+(\.\d{1,2})?$")
# Shown in a report instead of the value itself.
_MASKS = {"borrower_id_number": mask_id_number, "borrower_phone": mask_phone, "borrower_email": mask_email}


class _Lookups:
    """Branches and officers, read once for a whole file."""

    def __init__(self, usernames=None):
        self.branches = {b.code.upper(): b for b in Branch.objects.all()}
        officers = User.objects.filter(is_active=True).select_related("branch").prefetch_related("groups")
        if usernames is not None:
            officers = officers.filter(username__in=usernames)
        self.officers = {u.username: u for u in officers}


def _clean(actor, data, lookups) -> tuple[dict, dict]:
    """(the case's fields, {field: message}) from text as a user or a file
    gives it. Every field is checked, so a report names every problem."""
    errors, fields = {}, {}
    text = {name: str(data.get(name) or "").strip() for name in FIELDS}

    if len(text["external_ref"]) > 64:
        errors["external_ref"] = _("At most 64 characters.")
    fields["external_ref"] = text["external_ref"]

    branch = lookups.branches.get(text["branch"].upper())
    if branch is None:
        errors["branch"] = _("No branch has the code “%(code)s”.") % {"code": text["branch"]}
    elif not (actor.is_head_office or actor.branch_id == branch.pk):
        errors["branch"] = _("You may not open cases in branch “%(code)s”.") % {"code": text["branch"]}
    fields["branch"] = branch

    officer = lookups.officers.get(text["officer"])
    if officer is None:
        errors["officer"] = _("No active staff member has the login “%(login)s”.") % {"login": text["officer"]}
    elif not officer.has_role(Role.OFFICER):
        errors["officer"] = _("%(login)s is not a loan officer.") % {"login": officer.username}
    elif branch is not None and officer.branch_id != branch.pk:
        errors["officer"] = _("%(login)s works at another branch.") % {"login": officer.username}
    fields["officer"] = officer

    if not text["borrower_name"]:
        errors["borrower_name"] = _("Enter the borrower's name.")
    elif len(text["borrower_name"]) > 100:
        errors["borrower_name"] = _("At most 100 characters.")
    fields["borrower_name"] = text["borrower_name"]

    try:
        validate_id_number(text["borrower_id_number"])
    except ValidationError as exc:
        errors["borrower_id_number"] = exc.messages[0]
    fields["borrower_id_number"] = normalize_id_number(text["borrower_id_number"])

    fields["borrower_phone"] = ""
    if text["borrower_phone"]:
        try:
            fields["borrower_phone"] = normalize_phone(text["borrower_phone"])
        except ValidationError as exc:
            errors["borrower_phone"] = exc.messages[0]
    fields["borrower_email"] = text["borrower_email"]
    if text["borrower_email"]:
        try:
            validate_email(text["borrower_email"])
            if len(text["borrower_email"]) > 254:
                raise ValidationError("too long")
        except ValidationError:
            errors["borrower_email"] = _("This is not an email address.")
    if not text["borrower_phone"] and not text["borrower_email"]:
        errors["borrower_phone"] = _("Give a mobile number or an email address: the borrower is told of every step.")

    if not text["property_address"]:
        errors["property_address"] = _("Enter the property's address.")
    elif len(text["property_address"]) > 300:
        errors["property_address"] = _("At most 300 characters.")
    fields["property_address"] = text["property_address"]

    fields["loan_amount"] = None
    try:
        if not _AMOUNT.match(text["loan_amount"]):
            raise InvalidOperation
        amount = Decimal(text["loan_amount"].replace(",", ""))
        if not Decimal("0") < amount <= MAX_AMOUNT:
            raise InvalidOperation
        fields["loan_amount"] = amount
    except InvalidOperation:
        errors["loan_amount"] = _("Enter the amount in yuan, more than 0, e.g. 1200000.00.")
    return fields, errors


def _shown(field, value) -> str:
    value = str(value or "")
    return _MASKS[field](value) if field in _MASKS and value else value


# --- One case -------------------------------------------------------------------------


def case_open(*, actor, data, at=None, via="form") -> LoanCase:
    """Open a case in state `submitted` from `data` (FIELDS, as text: branch
    code, officer login). ValidationError({field: message}) on bad input,
    TransitionRefused("permission") if the actor may not open cases."""
    if not actor.is_active or not actor.has_perm("cases.add_loancase"):
        _refuse("permission", _("You do not have permission to open cases."))
    fields, errors = _clean(actor, data, _Lookups(usernames=[str(data.get("officer") or "").strip()]))
    if not errors and fields["external_ref"]:
        existing = LoanCase.objects.filter(branch=fields["branch"], external_ref=fields["external_ref"]).first()
        if existing is not None:
            errors["external_ref"] = ValidationError(
                _("This external reference is already case %(number)s."), code="duplicate",
                params={"number": existing.number},
            )
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return case_create(at=at, opened_by=actor, opened_via=via, **fields)
    except IntegrityError:
        # The same reference opened by another request a moment ago.
        raise ValidationError(
            {"external_ref": ValidationError(_("This external reference was just used for another case."),
                                             code="duplicate")}
        ) from None


# --- A file of cases ---------------------------------------------------------------------


def _existing_refs(pairs):
    """{(branch id, external ref): (case number, its ID number)} of the pairs already in use."""
    found = {}
    refs = sorted({ref for _branch, ref in pairs})
    for start in range(0, len(refs), 2000):
        rows = LoanCase.objects.filter(external_ref__in=refs[start:start + 2000]).values_list(
            "branch_id", "external_ref", "number", "borrower_id_number"
        )
        found.update({(branch, ref): (number, id_number) for branch, ref, number, id_number in rows})
    return found


def _check_rows(actor, rows):
    """(new rows as text, [(row, number)] already imported, problems)."""
    lookups = _Lookups(usernames={str(row.get("officer") or "").strip() for row in rows})
    checked, problems = [], []
    for row in rows:
        fields, errors = _clean(actor, row, lookups)
        if row.get("id_number_was_a_number"):
            errors["borrower_id_number"] = _("Excel stored this ID number as a number and changed its last digits: "
                                             "format the column as Text and type the number again.")
        if not fields["external_ref"] and "external_ref" not in errors:
            errors["external_ref"] = _("Enter the origination system's reference: it keeps a second import of "
                                       "the same file from opening the case twice.")
        for field, message in errors.items():
            problems.append({"row": row["row"], "column": field, "value": _shown(field, row.get(field)),
                             "message": str(message)})
        if not errors:
            checked.append((row, fields))
    existing_refs = _existing_refs([(f["branch"].pk, f["external_ref"]) for _row, f in checked])
    new, existing, first_row = [], [], {}
    for row, fields in checked:
        key = (fields["branch"].pk, fields["external_ref"])
        if key in existing_refs:
            number, id_number = existing_refs[key]
            if id_number != fields["borrower_id_number"]:
                # The same reference for another borrower: a mistake in one of
                # the two systems, not a second import of the same case.
                problems.append({"row": row["row"], "column": "external_ref", "value": fields["external_ref"],
                                 "message": _("This reference is case %(number)s, of another borrower (the ID "
                                              "numbers differ).") % {"number": number}})
            else:
                existing.append((row["row"], number))
        elif key in first_row:
            problems.append({"row": row["row"], "column": "external_ref", "value": fields["external_ref"],
                             "message": _("The same reference as row %(row)s.") % {"row": first_row[key]}})
        else:
            first_row[key] = row["row"]
            new.append({name: row.get(name, "") for name in FIELDS} | {"row": row["row"]})
    problems.sort(key=lambda p: (p["row"], FIELDS.index(p["column"]) if p["column"] in FIELDS else 99))
    return new, existing, problems


def import_check(*, actor, rows, file_name) -> CaseImport:
    """Check every row of a file (a dry run) and keep the result: the rows
    to import if all are good, else the report of every bad row."""
    if not actor.has_perm("cases.import_loancase"):
        _refuse("permission", _("You do not have permission to import cases."))
    new, existing, problems = _check_rows(actor, rows)
    return CaseImport.objects.create(
        created_by=actor,
        file_name=file_name[:200],
        status=CaseImport.Status.REFUSED if problems else CaseImport.Status.CHECKED,
        rows=[] if problems else new,
        total_rows=len(rows),
        new_rows=len(new),
        existing_rows=len(existing),
        problems=problems,
    )


def import_run(*, actor, case_import, at=None) -> CaseImport:
    """Import a checked file: every new case, or none. The rows are checked
    again (a colleague may have opened one of them meanwhile); a problem now
    refuses the whole file with its report, as the check would have."""
    if not actor.has_perm("cases.import_loancase") or case_import.created_by_id != actor.pk:
        _refuse("permission", _("You do not have permission to import cases."))
    at = at or timezone.now()
    try:
        return _import_locked(actor, case_import, at)
    except IntegrityError:
        # Another import or request opened one of these references while this
        # one was writing: nothing of this file was written.
        return _refused(case_import, _("Some of these cases were opened elsewhere during the import; nothing was "
                                       "imported. Check the file again."))
    except (ValidationError, TransitionRefused) as refused:
        # A check the rows passed but a case did not (e.g. no deadline rule
        # for a new case): nothing was written.
        message = refused.message if isinstance(refused, TransitionRefused) else "; ".join(refused.messages)
        return _refused(case_import, _("Nothing was imported: %(reason)s") % {"reason": message})


def _refused(case_import, message):
    CaseImport.objects.filter(pk=case_import.pk, status=CaseImport.Status.CHECKED).update(
        status=CaseImport.Status.REFUSED, rows=[], problems=[{"row": 0, "column": "", "value": "", "message": message}],
    )
    return CaseImport.objects.get(pk=case_import.pk)


def imports_forget_unimported(now=None) -> int:
    """A file checked a day ago and never imported: its rows (ID numbers,
    mobiles) are not kept; it must be checked again. A schedule runs this."""
    now = now or timezone.now()
    return CaseImport.objects.filter(
        status=CaseImport.Status.CHECKED, created_at__lt=now - datetime.timedelta(hours=24)
    ).update(
        status=CaseImport.Status.REFUSED, rows=[],
        problems=[{"row": 0, "column": "", "value": "",
                   "message": _("Not imported within a day of the check; check the file again.")}],
    )


def _import_locked(actor, case_import, at):
    with transaction.atomic():
        locked = CaseImport.objects.select_for_update().get(pk=case_import.pk)
        if locked.status != CaseImport.Status.CHECKED:
            return locked  # imported already (a second click), or refused
        new, existing, problems = _check_rows(actor, locked.rows)
        locked.existing_rows += len(existing)
        if problems or existing:
            locked.status, locked.rows, locked.problems = CaseImport.Status.REFUSED, [], problems + [
                {"row": row, "column": "external_ref", "value": "",
                 "message": _("Opened as case %(number)s since the check.") % {"number": number}}
                for row, number in existing
            ]
            locked.save()
            return locked
        lookups = _Lookups(usernames={row["officer"] for row in new})
        before = LoanCase.objects.aggregate(last=Max("id"))["last"] or 0
        histories = []
        for row in new:
            fields, _errors = _clean(actor, row, lookups)
            histories.append(({**fields, "at": at, "opened_by": actor, "opened_via": "import"}, []))
        created = cases_import_with_history(histories)
        numbers = LoanCase.objects.filter(id__gt=before, created_at=at).aggregate(first=Min("number"), last=Max("number"))
        locked.status, locked.rows, locked.imported_at = CaseImport.Status.IMPORTED, [], at
        locked.new_rows = created
        locked.first_number, locked.last_number = numbers["first"] or "", numbers["last"] or ""
        locked.save()
    return locked
