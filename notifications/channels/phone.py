"""A phone call by the case's officer: a staff task, delivered when the officer
records that the borrower was reached (actions.task_complete)."""

from notifications.channels import SendResult
from notifications.models import StaffTask
from notifications.services import display_body
from notifications.staff import task_create


class PhoneChannel:
    @staticmethod
    def idempotent():
        return True  # a repeat finds the notice's open task: no second call

    def send(self, notification, text, html) -> SendResult:
        # One open task per notice even if a dead worker's claim is retried.
        # A finished one does not count: after a staff retry the officer must
        # be asked to call again, or the notice would sit in `sent` unnoticed.
        open_tasks = StaffTask.objects.filter(
            notification=notification, kind=StaffTask.Kind.PHONE_NOTICE, status=StaffTask.Status.OPEN
        )
        if not open_tasks.exists():
            task_create(
                case=notification.case,
                kind=StaffTask.Kind.PHONE_NOTICE,
                # Not `text`: that holds the live status-page link, whose raw
                # token must never be stored.
                detail=display_body(notification),
                notification=notification,
            )
        return SendResult(delivered=False)
