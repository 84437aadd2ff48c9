"""The case's reachability flags: whether its email and mobile work, and
whether it needs a person's attention. They are the outcome of sending
(notifications), not of the case's workflow, so they have their own small
writer; every other field of LoanCase is written by cases.services only (which
also clears a flag when it saves a corrected contact, in the same save).
"""

from cases.models import LoanCase

_FLAG = {"email": ("borrower_email", "email_unreachable"), "phone": ("borrower_phone", "phone_unreachable")}


def contact_unreachable(case_id, contact, value) -> bool:
    """Flag the case's email or phone ("email"/"phone") as not working, if
    `value` is still the one on file; the case then needs attention. Returns
    whether it was flagged (a report about a since-corrected contact is not)."""
    field, flag = _FLAG[contact]
    return bool(LoanCase.objects.filter(pk=case_id, **{field: value}).update(needs_attention=True, **{flag: True}))


def needs_attention(*case_ids):
    LoanCase.objects.filter(pk__in=case_ids, needs_attention=False).update(needs_attention=True)


def attention_done(case_id):
    LoanCase.objects.filter(pk=case_id, needs_attention=True).update(needs_attention=False)
