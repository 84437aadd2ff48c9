"""Small builders for the dashboard tests: notices and tasks in given states."""

import datetime

from notifications import staff
from notifications.models import Channel, Notification, NotificationStatus, StaffTask


def make_notice(case, status=NotificationStatus.FAILED, channel=Channel.SMS, at=None, **fields):
    at = at or case.entered_state_at
    values = {
        "case": case,
        "key": "sign",
        "channel": channel,
        "recipient": case.borrower_phone,
        "status": status,
        "created_at": at,
        "next_attempt_at": at,
    }
    if status in (NotificationStatus.DELIVERED, NotificationStatus.READ, NotificationStatus.ACKNOWLEDGED):
        values["delivered_at"] = at + datetime.timedelta(minutes=5)
    if status == NotificationStatus.FAILED:
        values["failed_at"] = at + datetime.timedelta(minutes=5)
        values["last_error"] = "号码不存在"
    values.update(fields)
    return Notification.objects.create(**values)


def make_task(case, kind=StaffTask.Kind.CALL_BORROWER, assigned_to=None, at=None):
    return staff.task_create(
        case=case, kind=kind, detail="短信发送失败", assigned_to=assigned_to, at=at or case.entered_state_at
    )
