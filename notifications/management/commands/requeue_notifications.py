from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications import dispatch
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
        now = timezone.now()
        if options["failed"]:
            rows = Notification.objects.filter(status__in=[NotificationStatus.FAILED, NotificationStatus.BOUNCED])
            if options["case"]:
                rows = rows.filter(case__number=options["case"])
            count = rows.update(
                status=NotificationStatus.QUEUED, attempts=0, next_attempt_at=now, failed_at=None, last_error=""
            )
            self.stdout.write(f"failed/bounced notices queued again: {count}")
        result = dispatch.sweep(grace=0)
        self.stdout.write(f"queued for sending: {result['requeued']}; stale claims released: {result['stale_claims']}")
