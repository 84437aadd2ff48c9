"""Load a year of the business calendar from a CSV file (scripted deployments).

    manage.py load_calendar 2027.csv --year 2027 --source "国办发明电〔2026〕12号"

The file has one row per date: date, holiday or workday (休/班), name; a
header row is optional. Every bad row is reported and nothing is written
unless all rows are good. Saving recomputes the estimated deadlines, as the
calendar page does.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from cases import calendar, services
from cases.models import BusinessYear


class Command(BaseCommand):
    help = "Load a year's public holidays and make-up working days from a CSV file (date, kind, name)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file: date, holiday/workday (休/班), name")
        parser.add_argument("--year", type=int, required=True, help="the year the file is for")
        parser.add_argument("--estimated", action="store_true", help="store as an estimate, not as announced")
        parser.add_argument("--source", default="", help="the notice the dates come from")
        parser.add_argument("--dry-run", action="store_true", help="check and show the changes; write nothing")

    def handle(self, *args, **options):
        year = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError("--year must be between 2000 and 2100.")
        try:
            with open(options["file"], "rb") as handle:
                rows = calendar.read_csv(handle.read())
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}.") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{options['file']} is not UTF-8 text; save it as CSV UTF-8.") from exc
        with translation.override("en"):  # the command speaks English throughout
            days, errors = calendar.parse_rows(rows, year)
        if not errors and not days:
            errors = [calendar.RowError(0, "", "A year has public holidays; the file has none.")]
        if errors:
            for error in errors:
                self.stderr.write(f"line {error.line}: {error.text}: {error.message}")
            raise CommandError(f"{len(errors)} bad rows in {options['file']}; nothing was written.")

        changes = calendar.changes(calendar.load().year(year), days)
        for change in changes:
            before = " ".join(change.before) if change.before else "ordinary day"
            after = " ".join(change.after) if change.after else "ordinary day"
            self.stdout.write(f"{change.day}: {before} -> {after}")
        status = BusinessYear.Status.ESTIMATED if options["estimated"] else BusinessYear.Status.ANNOUNCED
        self.stdout.write(f"{year}: {len(days)} days, {len(changes)} changed, status {status}.")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing written.")
            return
        services.calendar_year_save(
            year=year, status=status, days=days, source=options["source"], actor=None, queue=False
        )
        result = services.calendar_recompute_pending()
        self.stdout.write(
            f"Saved. Deadlines checked: {result.checked}; moved later: {result.later} (borrowers told), "
            f"earlier: {result.earlier}, same day: {result.same_day}; no longer estimated: {result.now_final}."
        )
