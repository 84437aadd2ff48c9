from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules loanflow needs (sweeper, silence detection)."

    def handle(self, *args, **options):
        self.stdout.write("No schedules yet.")
