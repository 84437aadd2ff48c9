"""Retention (PIPL): what the notifications app keeps about a borrower is
anonymised with their case, once the case's retention period after closing
is over. The notices (recipient, subject, bodies, provider errors), their
delivery events (providers' payloads), the staff tasks (the borrower's
questions, notices read out by phone, call notes) and the status-page link.

Called by cases.services.retention, inside the transaction that anonymises
the case (cases.anonymise says what stays; a value that would be used, like
a recipient, is blanked rather than marked).
"""

from cases.anonymise import marker, rows_anonymise
from notifications import links
from notifications.models import BorrowerLink, DeliveryEvent, Notification, StaffTask

# Task kinds whose detail is the borrower's own words (a question from the
# status page) or a message to them (read out by phone): replaced whole.
# Other details are the app's own wording, kept with the personal data
# scrubbed out of them.
_WHOLE_DETAIL = (StaffTask.Kind.BORROWER_QUESTION, StaffTask.Kind.PHONE_NOTICE)


def case_recipients(case) -> set:
    """Every address and number the case's notices went to: the borrower's
    contacts before a correction are personal data too."""
    return set(
        Notification.objects.filter(case=case).exclude(recipient="").values_list("recipient", flat=True).distinct()
    )


def case_notices_anonymise(*, case, scrub, dry_run=False) -> dict:
    """Anonymise what the notices, delivery events and staff tasks of `case`
    hold about the borrower and revoke its status-page link. `scrub` replaces
    the borrower's personal data in a text. Returns {kind: rows changed}
    (with dry_run: that would change; nothing is written)."""
    counts = {}
    counts["notices"] = rows_anonymise(
        Notification.objects.filter(case=case),
        ["recipient", "subject", "body", "body_html", "last_error"],
        lambda notice: {
            # Blank, not a marker: nothing must ever be sent to it.
            "recipient": "",
            "subject": marker(notice.subject),
            "body": marker(notice.body),
            "body_html": marker(notice.body_html),
            "last_error": scrub(notice.last_error),
        },
        dry_run=dry_run,
    )
    counts["delivery_events"] = rows_anonymise(
        DeliveryEvent.objects.filter(notification__case=case),
        ["detail", "payload"],
        # A provider's payload quotes the recipient, often the message: the
        # event's kind and time say what happened.
        lambda event: {"detail": scrub(event.detail), "payload": {}},
        dry_run=dry_run,
    )
    counts["staff_tasks"] = rows_anonymise(
        StaffTask.objects.filter(case=case),
        ["detail", "callback_time", "outcome"],
        lambda task: {
            "detail": marker(task.detail) if task.kind in _WHOLE_DETAIL else scrub(task.detail),
            "callback_time": marker(task.callback_time),
            "outcome": scrub(task.outcome),
        },
        read=["kind"],
        dry_run=dry_run,
    )
    active = BorrowerLink.objects.filter(case=case, revoked_at__isnull=True)
    counts["borrower_links"] = active.count() if dry_run else links.link_revoke(case)
    return counts
