from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from notifications import actions, dispatch
from notifications.models import Notification, NotificationStatus


class Command(BaseCommand):
    help = (
        "Queue notices for sending again. By default does what the sweeper does "
        "(due rows, stale claims); --failed also gives failed and bounced notices a new round of attempts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--failed", action="store_true", help="also re-send failed and bounced notices")
        parser.add_argument("--case", help="only the notices of this case number (with --failed)")

    def handle(self, *args, **options):
        if options["failed"]:
            rows = Notification.objects.filter(status__in=[NotificationStatus.FAILED, NotificationStatus.BOUNCED])
            if options["case"]:
                rows = rows.filter(case__number=options["case"].strip().upper())
            queued, skipped = 0, 0
            for notification in list(rows.order_by("id")):  # read first: queueing may close the cursor
                # The same path as a staff member's "retry": a DeliveryEvent,
                # a new idempotency key, the current contact, or a refusal
                # when that contact is known not to work.
                try:
                    queued += actions.requeue(notification, event="retry", detail="manage.py requeue_notifications")
                except ValidationError:
                    skipped += 1
            self.stdout.write(f"failed/bounced notices queued again: {queued}")
            if skipped:
                self.stdout.write(f"not queued, their contact is missing or marked as not working: {skipped}")
        result = dispatch.sweep(grace=0)
        self.stdout.write(f"queued for sending: {result['requeued']}; stale claims released: {result['stale_claims']}")
