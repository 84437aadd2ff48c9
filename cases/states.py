"""The loan case workflow: its states and the facts about each transition.

The django-fsm-2 decorators on LoanCase hold the source/target graph; this module
holds what the rest of the app needs to know about states and transitions
(labels, which ones are final, which transitions need a reason).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    SIGNED = "signed", _("Signed")
    UNDER_REVIEW = "under_review", _("Under review")
    DOCUMENTS_REQUESTED = "documents_requested", _("Documents requested")
    APPROVED = "approved", _("Approved")
    REGISTRATION = "registration", _("Mortgage registration")
    DISBURSED = "disbursed", _("Disbursed")
    REJECTED = "rejected", _("Rejected")
    ON_HOLD = "on_hold", _("On hold")
    WITHDRAWN = "withdrawn", _("Withdrawn")


FINAL_STATES = (CaseState.DISBURSED, CaseState.REJECTED, CaseState.WITHDRAWN)
# States from which hold and withdraw may leave: every non-final state but on_hold
# itself (a held case is resumed, or withdrawn).
WORKING_STATES = (
    CaseState.SUBMITTED,
    CaseState.SIGNED,
    CaseState.UNDER_REVIEW,
    CaseState.DOCUMENTS_REQUESTED,
    CaseState.APPROVED,
    CaseState.REGISTRATION,
)
OPEN_STATES = WORKING_STATES + (CaseState.ON_HOLD,)

# The main line, in order, for progress displays.
PROGRESS_STATES = (
    CaseState.SUBMITTED,
    CaseState.SIGNED,
    CaseState.UNDER_REVIEW,
    CaseState.APPROVED,
    CaseState.REGISTRATION,
    CaseState.DISBURSED,
)


class Transition(models.TextChoices):
    SIGN = "sign", _("Record signing")
    START_REVIEW = "start_review", _("Start review")
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    REQUEST_DOCUMENTS = "request_documents", _("Request documents")
    RECEIVE_DOCUMENTS = "receive_documents", _("Documents received")
    START_REGISTRATION = "start_registration", _("Start mortgage registration")
    DISBURSE = "disburse", _("Disburse")
    HOLD = "hold", _("Put on hold")
    RESUME = "resume", _("Resume")
    WITHDRAW = "withdraw", _("Withdraw")


# Transitions that the borrower must be told a reason for, and that staff must
# therefore give one for.
REASON_REQUIRED = frozenset(
    {Transition.REJECT, Transition.HOLD, Transition.WITHDRAW, Transition.REQUEST_DOCUMENTS}
)

# Four-eyes rule: these transitions may not be fired by the person who signed
# the case with the borrower.
FOUR_EYES = frozenset({Transition.APPROVE, Transition.DISBURSE})
