"""Borrower notices: the outbox written by the transition service."""


def notices_for_transition(*, case, record):
    """Write the notices a transition asks for, in the caller's transaction."""
    return []
