"""A phone call by the case's officer: a staff task, delivered when the officer
records that the borrower was reached (services.task_complete)."""

from notifications.channels import SendResult


class PhoneChannel:
    def send(self, notification, text, html) -> SendResult:
        from notifications.models import StaffTask
        from notifications.services import task_create

        # One task per notice even if a dead worker's claim is retried.
        if not StaffTask.objects.filter(notification=notification, kind=StaffTask.Kind.PHONE_NOTICE).exists():
            task_create(
                case=notification.case,
                kind=StaffTask.Kind.PHONE_NOTICE,
                detail=text,
                notification=notification,
            )
        return SendResult(delivered=False)
