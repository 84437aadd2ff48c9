"""django-q2 entry points. Thin: each calls one function and returns a
small summary for the task result list."""

from notifications import dispatch, followup


def send_notification(notification_id):
    return dispatch.send(notification_id)


def sweep():
    return dispatch.sweep()


def send_progress_updates():
    """Updates for silent borrowers (held ones included), then calls for
    those an earlier update did not reach."""
    return {"updates": followup.send_progress_updates(), "calls": followup.call_the_unreached()}


def escalate_unacknowledged():
    return followup.escalate_unacknowledged()
