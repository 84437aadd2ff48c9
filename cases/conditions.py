"""Guards on transitions: named pure functions of the case, no database writes.

Each guard carries the message shown when it fails, so a refused transition
says why in the user's language.
"""

from django.utils.translation import gettext_lazy as _


def guard(message):
    def decorate(func):
        func.refusal_message = message
        return func

    return decorate


@guard(_("The borrower has no mobile phone or email on file, so they could not be told."))
def borrower_reachable(case) -> bool:
    return bool(case.borrower_phone or case.borrower_email)


@guard(_("Documents are still outstanding; record them as received first."))
def documents_complete(case) -> bool:
    return not case.documents_outstanding


@guard(_("The loan amount must be greater than zero."))
def loan_amount_positive(case) -> bool:
    return case.loan_amount is not None and case.loan_amount > 0


@guard(_("The case has no record of the state it was held in, so it cannot resume."))
def has_held_from(case) -> bool:
    return bool(case.held_from)
