from django.core.management.base import BaseCommand
from django.utils import timezone
from django_q.brokers import get_broker

from cases import calendar
from cases.selectors import provisional_count
from notifications.selectors import queue_backlog


class Command(BaseCommand):
    help = "Show the outbox backlog: pending notices by status and channel, the oldest due, stale claims."

    def handle(self, *args, **options):
        backlog = queue_backlog()
        if not backlog["by_status"]:
            self.stdout.write("No notices waiting.")
        for (status, channel), count in sorted(backlog["by_status"].items()):
            self.stdout.write(f"{status:10} {channel:12} {count:8d}")
        self.stdout.write(f"oldest due: {backlog['oldest_due'] or '-'}")
        self.stdout.write(f"stale claims (dead workers): {backlog['stale_claims']}")
        self.stdout.write(calendar_status())
        try:
            self.stdout.write(f"django-q2 broker queue size: {get_broker().queue_size()}")
        except Exception as exc:  # the broker may be down; the outbox above is what counts
            self.stdout.write(f"django-q2 broker not reachable: {exc}")


def calendar_status() -> str:
    """One line on the business calendar: notices promise dates computed on it."""
    today = timezone.localdate()
    snapshot = calendar.load()
    years = ", ".join(
        f"{year} {'announced' if snapshot.is_announced(year) else 'estimated'}" for year in (today.year, today.year + 1)
    )
    line = f"business calendar: {years}; open cases with an estimated deadline: {provisional_count()}"
    missing = calendar.unannounced_year(today, snapshot)
    if missing is not None:
        line += f" -- enter the {missing} holiday schedule at /calendar/ or with manage.py load_calendar"
    return line
