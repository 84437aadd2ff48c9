"""django-q2 entry points. Thin: each calls one function and returns a
small summary for the task result list."""

from notifications import dispatch, followup


def send_notification(notification_id):
    return dispatch.send(notification_id)


def sweep():
    return dispatch.sweep()


def send_progress_updates():
    return followup.send_progress_updates()


def send_hold_reminders():
    return followup.send_hold_reminders()


def escalate_unacknowledged():
    return followup.escalate_unacknowledged()
