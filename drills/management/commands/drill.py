"""manage.py drill: a stress test of the notification system.

    manage.py drill --cases 300 --days 30 --faults standard --seed 1 --output drill.xlsx

Simulates the cases over the days in a throwaway database (test_<name> on
PostgreSQL, a temporary file with SQLite), through the real services, and
prints each borrower's longest silence, whether every final failure reached
a named person within a business day, and duplicates. Exits 1 if a borrower
went more than --threshold business days without news, a failure reached
nobody, or a message went out twice.
"""

import datetime
import os
import tempfile
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from drills import report, simulation

FAULTS = {"none": simulation.NO_FAULTS, "standard": simulation.STANDARD_FAULTS}


class Command(BaseCommand):
    help = "Simulate cases over days with faults, on a throwaway database, and print per-borrower silence."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=300)
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--faults", choices=sorted(FAULTS), default="standard")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--start", default="2026-09-14",
            help="first day (default: 14 September 2026, so the month crosses National Day)",
        )
        parser.add_argument("--threshold", type=int, default=3, help="business days of silence that fail the drill")
        parser.add_argument("--output", help="write every borrower's figures to this .csv or .xlsx file")
        parser.add_argument("--keep", action="store_true", help="keep the throwaway database (to look into it)")

    def handle(self, *args, **options):
        if options["cases"] < 1 or options["days"] < 1:
            raise CommandError("--cases and --days must be at least 1.")
        output = options["output"]
        if output and not output.endswith((".csv", ".xlsx")):
            raise CommandError("--output must end in .csv or .xlsx.")
        try:
            start = datetime.date.fromisoformat(options["start"])
        except ValueError as exc:
            raise CommandError("--start must be a date like 2026-09-14.") from exc

        original = connection.settings_dict["NAME"]
        if connection.vendor == "sqlite":
            path = os.path.join(tempfile.mkdtemp(prefix="loanflow-drill-"), "drill.sqlite3")
            connection.settings_dict.setdefault("TEST", {})["NAME"] = path
        name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        self.stdout.write(f"throwaway database: {name}")
        try:
            world = simulation.World(
                cases=options["cases"], days=options["days"], faults=FAULTS[options["faults"]], seed=options["seed"],
                start=datetime.datetime.combine(start, datetime.time(), tzinfo=simulation.sla.local_tz()),
            )
            began = time.monotonic()
            world.run()
            lines, figures = report.summary(world, time.monotonic() - began, options["threshold"])
            for line in lines:
                self.stdout.write(line)
            if output:
                data = report.dataset(figures)
                with open(output, "wb") as handle:
                    handle.write(data.export("xlsx") if output.endswith(".xlsx") else data.export("csv").encode())
                self.stdout.write(f"per-borrower figures: {output}")
            failed = report.drill_failed(world, figures, options["threshold"])
        finally:
            if not options["keep"]:
                connection.creation.destroy_test_db(original, verbosity=0)
        if failed:
            raise CommandError(f"drill failed: {failed}")
