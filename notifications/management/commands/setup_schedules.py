from django.core.management.base import BaseCommand
from django_q.models import Schedule

# name: (function, minutes between runs)
SCHEDULES = {
    "notifications: sweep the outbox": ("notifications.tasks.sweep", 1),
    "notifications: progress updates and calls for silent borrowers": ("notifications.tasks.send_progress_updates", 60),
    "notifications: escalate unacknowledged notices": ("notifications.tasks.escalate_unacknowledged", 60),
    # Mends a deadline computed on a calendar snapshot from before an announcement.
    "cases: recompute estimated deadlines": ("cases.tasks.recompute_deadlines", 60),
    "cases: forget the rows of files checked but never imported": ("cases.tasks.forget_unimported_rows", 60),
    # PIPL: personal data out of cases closed longer ago than RETENTION_CLOSED_CASE_DAYS.
    "cases: anonymise cases closed longer ago than the retention period": (
        "cases.tasks.anonymise_closed_cases", 24 * 60,
    ),
    # The integration API's events out, and the answers it keeps for retries.
    "api: sweep webhook deliveries": ("api.tasks.sweep_webhooks", 1),
    "api: forget idempotency keys older than a day": ("api.tasks.forget_idempotency_keys", 60),
}


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules loanflow needs (sweeper, silence detection)."

    def handle(self, *args, **options):
        # catch_up=False in Q_CLUSTER: after downtime each runs once, not once
        # per missed minute. The sweeper itself makes up for anything missed.
        # Schedules of ours that are no longer wanted (renamed, or merged into
        # another, like the hold reminders into the silence rule).
        gone = Schedule.objects.filter(func__startswith="notifications.").exclude(name__in=SCHEDULES)
        gone = gone | Schedule.objects.filter(func__startswith="cases.").exclude(name__in=SCHEDULES)
        gone = gone | Schedule.objects.filter(func__startswith="api.").exclude(name__in=SCHEDULES)
        for schedule in gone:
            self.stdout.write(f"removed: {schedule.name}")
            schedule.delete()
        for name, (func, minutes) in SCHEDULES.items():
            _, created = Schedule.objects.update_or_create(
                name=name,
                defaults={"func": func, "schedule_type": Schedule.MINUTES, "minutes": minutes, "repeats": -1},
            )
            self.stdout.write(f"{'created' if created else 'updated'}: {name} (every {minutes} min)")
