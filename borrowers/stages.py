"""What each stage and each notice means, in words for the borrower.

The staff labels live in cases.states; the borrower gets plainer sentences,
with their own message context so the two never collide in translation."""

from django.utils.translation import pgettext, pgettext_lazy

from cases.states import PROGRESS_STATES, CaseState

STAGE_NAMES = {
    CaseState.SUBMITTED: pgettext_lazy("borrower stage", "Submitted"),
    CaseState.SIGNED: pgettext_lazy("borrower stage", "Signed"),
    CaseState.UNDER_REVIEW: pgettext_lazy("borrower stage", "Under review"),
    CaseState.DOCUMENTS_REQUESTED: pgettext_lazy("borrower stage", "Documents requested"),
    CaseState.APPROVED: pgettext_lazy("borrower stage", "Approved"),
    CaseState.REGISTRATION: pgettext_lazy("borrower stage", "Mortgage registration"),
    CaseState.DISBURSED: pgettext_lazy("borrower stage", "Disbursed"),
    CaseState.REJECTED: pgettext_lazy("borrower stage", "Not approved"),
    CaseState.ON_HOLD: pgettext_lazy("borrower stage", "On hold"),
    CaseState.WITHDRAWN: pgettext_lazy("borrower stage", "Withdrawn"),
}

# (where things stand, what happens next); next is empty when nothing follows.
STAGE_TEXT = {
    CaseState.SUBMITTED: (
        pgettext_lazy("borrower now", "We have received your application."),
        pgettext_lazy("borrower next", "Your loan officer will arrange the face-to-face signing with you."),
    ),
    CaseState.SIGNED: (
        pgettext_lazy("borrower now", "You have signed the loan contract with us in person."),
        pgettext_lazy("borrower next", "Your application goes to the bank's credit review."),
    ),
    CaseState.UNDER_REVIEW: (
        pgettext_lazy("borrower now", "The bank is reviewing your application."),
        pgettext_lazy("borrower next", "We will tell you the result of the review."),
    ),
    CaseState.DOCUMENTS_REQUESTED: (
        pgettext_lazy("borrower now", "The review is waiting for more documents from you."),
        pgettext_lazy("borrower next", "As soon as we have them, the review goes on."),
    ),
    CaseState.APPROVED: (
        pgettext_lazy("borrower now", "Your loan has been approved."),
        pgettext_lazy("borrower next", "Next, the mortgage will be registered at the real estate registration centre."),
    ),
    CaseState.REGISTRATION: (
        pgettext_lazy("borrower now", "Your mortgage is being registered at the real estate registration centre."),
        pgettext_lazy("borrower next", "When the registration is complete, the loan is paid out."),
    ),
    CaseState.DISBURSED: (
        pgettext_lazy("borrower now", "Your loan has been paid out. Nothing more is needed from you."),
        "",
    ),
    CaseState.REJECTED: (
        pgettext_lazy("borrower now", "We are sorry: the bank could not approve this application."),
        pgettext_lazy("borrower next", "Your branch can explain the decision; please call the hotline below."),
    ),
    CaseState.ON_HOLD: (
        pgettext_lazy("borrower now", "Your application is paused for now."),
        pgettext_lazy("borrower next", "We will tell you as soon as it goes on. Nothing is needed from you meanwhile."),
    ),
    CaseState.WITHDRAWN: (
        pgettext_lazy("borrower now", "This application has been withdrawn."),
        pgettext_lazy("borrower next", "If you did not expect this, please call the hotline below."),
    ),
}

# The channels a notice also went out on, as the borrower calls them.
CHANNEL_NAMES = {
    "sms": pgettext_lazy("borrower channel", "SMS"),
    "email": pgettext_lazy("borrower channel", "email"),
    "phone": pgettext_lazy("borrower channel", "phone call"),
}

# Where on the main line a state that is not on it stands.
_PROGRESS_POSITION = {CaseState.DOCUMENTS_REQUESTED: CaseState.UNDER_REVIEW}


def channel_list(channels):
    """["sms", "email"] -> "短信、电子邮件" / "SMS, email"."""
    separator = pgettext("list separator", ", ")
    return separator.join(str(CHANNEL_NAMES[c]) for c in channels if c in CHANNEL_NAMES)


def progress_steps(case):
    """The main line with each step done, current or to come; [] when the
    case left the line for good (not approved, withdrawn)."""
    state = case.held_from if case.status == CaseState.ON_HOLD else case.status
    state = _PROGRESS_POSITION.get(state, state)
    if state not in PROGRESS_STATES:
        return []
    current = PROGRESS_STATES.index(state)
    steps = []
    for index, step in enumerate(PROGRESS_STATES):
        name = STAGE_NAMES[step]
        if index < current or step == CaseState.DISBURSED == state:
            where = "done"
        elif index == current:
            where = "current"
        else:
            where = "todo"
        step_info = {"name": name, "where": where}
        if where == "current" and case.status != step:
            # Off the main line (待补件, 暂缓): the step keeps its place and
            # name, and its tag says the stage the page's header says.
            step_info["now"] = STAGE_NAMES[case.status]
        steps.append(step_info)
    return steps
