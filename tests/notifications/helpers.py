from notifications import dispatch
from notifications.models import Notification, NotificationStatus


def send_due():
    """What the worker does: send every queued notice that is due, once."""
    ids = list(
        Notification.objects.filter(status=NotificationStatus.QUEUED).order_by("pk").values_list("pk", flat=True)
    )
    return [dispatch.send(pk) for pk in ids]
