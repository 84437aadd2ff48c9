"""The borrower's contact details and personal data: correcting a contact,
showing the unmasked data (logged), sending the status-page link again."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import selectors
from cases.identity import mask_contact, normalize_phone
from cases.models import CaseAccessLog, ContactCorrection, LoanCase
from cases.services.transitions import _refresh, _refuse
from notifications import actions as notification_actions
from notifications import services as notification_services


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
        if locked.anonymised_at is not None:
            # Its retention period is over: a new contact would bring personal
            # data back that no later run would ever remove.
            _refuse("wrong_state", _("This case's personal data was removed at the end of its retention "
                                     "period; its contacts cannot be changed."))
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
        notification_actions.contact_corrected(case=locked, channel=channel, actor=actor, at=at)
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


def case_search_log(*, actor, cases, kind):
    """A search found these cases by the borrower's personal data (a mobile,
    an ID number's digits, a name): who looked, for which cases, and how, in
    the access log (PIPL), with the results they were shown."""
    CaseAccessLog.objects.bulk_create(CaseAccessLog(case=case, user=actor, what=f"search:{kind}") for case in cases)
