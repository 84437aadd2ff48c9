"""What the case write path tells other apps, inside its transaction.

Apps above the domain (the integration API's events out) listen here, so
the domain never imports them. A receiver runs in the writer's transaction:
what it writes commits or rolls back with the change itself (an outbox).
"""

from django.dispatch import Signal

# Sent with records=[CaseTransition, ...] (each with .case set) after they and
# their notices were written: one transition, or a bulk hold of hundreds.
transitions_recorded = Signal()
