"""Anonymise the personal data of cases closed longer ago than the retention
period (RETENTION_CLOSED_CASE_DAYS), as the daily schedule does:

    manage.py anonymise_closed_cases --dry-run   # what would change: case numbers, rows of each kind
    manage.py anonymise_closed_cases             # do it, and say what was done

Case numbers, amounts, states, dates and audit rows stay; see
cases/services/retention.py for what changes."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from cases import services
from cases.services.retention import KINDS

LABELS = {
    "cases": "cases",
    "case_transitions": "changes of state (reasons, details)",
    "contact_corrections": "contact corrections",
    "notices": "notices (recipient, subject, text)",
    "delivery_events": "delivery events (providers' answers)",
    "staff_tasks": "staff tasks (questions, call notes)",
    "borrower_links": "status-page links revoked",
    "webhook_deliveries": "webhook deliveries (events out)",
    "import_reports": "import reports",
}


class Command(BaseCommand):
    help = "Anonymise the personal data of cases closed longer ago than RETENTION_CLOSED_CASE_DAYS (--dry-run: say what)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
        parser.add_argument("--batch-size", type=int, default=100, help="cases read at a time (default 100)")

    def handle(self, *args, dry_run, batch_size, **options):
        days = services.retention_days()
        if not days:
            self.stdout.write("Retention is off (RETENTION_CLOSED_CASE_DAYS=0): nothing is anonymised.")
            return
        verb = "would anonymise" if dry_run else "anonymised"

        def each(number, counts):
            self.stdout.write(f"{verb} {number}")

        result = services.closed_cases_anonymise(
            dry_run=dry_run, via="command", batch_size=max(batch_size, 1), each=each
        )
        self.stdout.write(
            f"Closed cases keep personal data {days} days: cases closed before "
            f"{timezone.localtime(result.cutoff):%Y-%m-%d %H:%M %Z} are due."
        )
        self.stdout.write("Dry run, nothing written. Would change:" if dry_run else "Changed:")
        for kind in KINDS:
            self.stdout.write(f"  {LABELS[kind]}: {result.counts[kind]}")
