"""For support staff: give a borrower a new status page link.

    manage.py borrower_link HL-2026-000123           # new link, printed
    manage.py borrower_link HL-2026-000123 --sms     # ... and sent by SMS
    manage.py borrower_link HL-2026-000123 --revoke  # old link stops, no new one
    manage.py borrower_link --example                # the demo: a case waiting for documents,
                                                     # its current link (nothing retired)

The URL starts with SITE_URL (`make run` sets it from PORT).

A new link always replaces the old one (and ends sessions opened with it)."""

from django.core.management.base import BaseCommand, CommandError

from cases.models import LoanCase
from cases.states import OPEN_STATES, CaseState
from notifications import links
from notifications import services as notification_services


class Command(BaseCommand):
    help = "Issue (or revoke) a borrower's status page link and print its URL."

    def add_arguments(self, parser):
        parser.add_argument("case_number", nargs="?")
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--example", action="store_true",
            help="instead of a case number: an open case, one waiting for documents if there is one, and the link "
            "its borrower already has (nothing is retired)",
        )
        group.add_argument("--sms", action="store_true", help="also send the new link to the borrower by SMS")
        group.add_argument("--revoke", action="store_true", help="revoke the active link without issuing a new one")

    def handle(self, *args, case_number, sms, revoke, example, **options):
        if example == bool(case_number):
            raise CommandError("Give a case number, or --example.")
        if example:
            case = self.example_case()
            if case is None:
                raise CommandError("There is no open case yet (manage.py seed_demo makes some).")
            self.stdout.write(f"The status page of {case.number}, as its borrower sees it:")
            # The link the borrower already has: showing the page must not
            # retire the link in their messages.
            self.stdout.write(links.status_page_url(case))
            return
        else:
            case = LoanCase.objects.filter(number=case_number.strip().upper()).first()
            if case is None:
                raise CommandError(f"No case numbered {case_number!r}.")
        if revoke:
            count = links.link_revoke(case)
            self.stdout.write(f"Revoked {count} link(s) of {case.number}.")
            return
        if sms:
            if not case.borrower_phone:
                raise CommandError(f"{case.number} has no mobile number on file.")
            try:
                notification_services.link_reissue_and_tell(case=case, channels=["sms"])
            except notification_services.NoWorkingChannel:
                raise CommandError(f"{case.number}'s mobile number is marked as not working.") from None
            url = links.status_page_url(case)
            self.stdout.write(f"Sent by SMS to {case.masked_phone}.")
        else:
            link, token = links.link_issue(case)
            url = links.status_page_url(case, token)
        self.stdout.write(url)

    def example_case(self):
        open_cases = LoanCase.objects.filter(status__in=OPEN_STATES).order_by("number")
        return open_cases.filter(status=CaseState.DOCUMENTS_REQUESTED).first() or open_cases.first()
