"""A new integration API client, and its token, once:

    manage.py api_client_create "Loan origination" --branch BJ-CY --create --transitions sign start_review
    manage.py api_client_create "CRM" --all-branches --webhook-url https://crm.bank.example/loanflow

The token is the last line of the output (for scripts); it is stored only as
a hash and cannot be shown again: a lost token means a new client."""

from django.core.management.base import BaseCommand, CommandError

from api import services
from api.models import ApiClient
from cases.models import Branch
from cases.states import Transition


class Command(BaseCommand):
    help = "Create an integration API client and print its token once (the last line)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--branch", help="the branch code it works for")
        scope.add_argument("--all-branches", action="store_true", help="a head-office system: every branch")
        parser.add_argument("--create", action="store_true", help="it may open cases")
        parser.add_argument("--correct-contact", action="store_true", help="it may correct contact details")
        parser.add_argument("--transitions", nargs="*", default=[], choices=Transition.values, metavar="NAME",
                            help=f"the transitions it may fire: {', '.join(Transition.values)}")
        parser.add_argument("--webhook-url", default="", help="where to POST events (signed)")

    def handle(self, *args, name, branch, all_branches, create, correct_contact, transitions, webhook_url, **options):
        if ApiClient.objects.filter(name=name).exists():
            raise CommandError(f"A client named {name!r} exists already.")
        home = None
        if branch:
            home = Branch.objects.filter(code__iexact=branch).first()
            if home is None:
                raise CommandError(f"No branch has the code {branch!r}.")
        client, token = services.client_create(
            name=name, branch=home, transitions=transitions, may_create=create, may_correct_contact=correct_contact,
            webhook_url=webhook_url,
        )
        self.stdout.write(f"Client {client.name!r} ({home or 'every branch'}), acting as {client.user.username}.")
        if client.webhook_secret:
            self.stdout.write(f"Webhook signing secret (shown once): {client.webhook_secret}")
        self.stdout.write("Token (shown once; send it as 'Authorization: Bearer <token>'):")
        self.stdout.write(token)
