"""What the case write path tells other apps, inside its transaction.

Apps above the domain (the integration API's events out) listen here, so
the domain never imports them. A receiver runs in the writer's transaction:
what it writes commits or rolls back with the change itself (an outbox).
"""

from django.dispatch import Signal

# Sent with records=[CaseTransition, ...] (each with .case set) after they and
# their notices were written: one transition, or a bulk hold of hundreds.
transitions_recorded = Signal()

# Sent by cases.services.retention inside the transaction that anonymises one
# case, with case=<LoanCase, personal data still loaded>, scrub=<function:
# text -> text with the borrower's personal data replaced>, reasons=<the
# transitions' reasons that held personal data, as they were> and dry_run.
# A receiver above the domain blanks what it keeps about the case (unless
# dry_run) and returns {kind: rows changed, or that would change}.
case_anonymised = Signal()
