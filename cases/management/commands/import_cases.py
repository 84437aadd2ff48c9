"""Import new cases from an origination system's export (CSV or XLSX):

    manage.py import_cases cases.xlsx --user hq1 --dry-run   # check only: every bad row, nothing written
    manage.py import_cases cases.xlsx --user hq1             # check, then all the new cases or none

Rows whose external reference the branch already has are skipped, so the
same file imported twice opens nothing twice. Exit status 1 when a row is
bad (nothing was imported)."""

import pathlib

from django.core.management.base import BaseCommand, CommandError

from cases import importing, services
from cases.models import CaseImport, User


class Command(BaseCommand):
    help = "Import new cases from a CSV or XLSX file, all or nothing (--dry-run: check only)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="the head-office login the import is done as (audited)")
        parser.add_argument("--dry-run", action="store_true", help="check every row and report; write no case")

    def handle(self, *args, file, user, dry_run, **options):
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {user!r}.")
        path = pathlib.Path(file)
        try:
            rows = importing.read_rows(path.read_bytes(), path.name)
        except OSError as exc:
            raise CommandError(str(exc)) from None
        except importing.FileRefused as refused:
            raise CommandError(str(refused)) from None
        try:
            checked = services.import_check(actor=actor, rows=rows, file_name=path.name)
        except services.TransitionRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(
            f"{checked.total_rows} rows: {checked.new_rows} new, {checked.existing_rows} already imported, "
            f"{len({p['row'] for p in checked.problems})} bad"
        )
        for problem in checked.problems:
            value = f" ({problem['value']})" if problem["value"] else ""
            self.stdout.write(f"  row {problem['row']}, {problem['column']}{value}: {problem['message']}")
        if checked.status == CaseImport.Status.REFUSED:
            self.stdout.write("Nothing was imported: correct these rows and run again.")
            raise SystemExit(1)
        if dry_run:
            self.stdout.write("Dry run: nothing was imported.")
            return
        done = services.import_run(actor=actor, case_import=checked)
        if done.status != CaseImport.Status.IMPORTED:
            for problem in done.problems:
                self.stdout.write(f"  row {problem['row']}: {problem['message']}")
            self.stdout.write("Nothing was imported.")
            raise SystemExit(1)
        numbers = f" ({done.first_number} to {done.last_number})" if done.new_rows else ""
        self.stdout.write(f"Imported {done.new_rows} new cases{numbers}.")
