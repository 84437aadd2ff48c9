"""Send one message through each configured channel, directly (not through
the queue), to check the email and SMS settings."""

import uuid

from django.core.management.base import BaseCommand, CommandError

from notifications.channels import DeliveryError, email, sms
from notifications.models import Notification


class Command(BaseCommand):
    help = "Send a test message by email and/or SMS through the configured backends."

    def add_arguments(self, parser):
        parser.add_argument("--email", help="address to send a test email to")
        parser.add_argument("--sms", help="mobile number to send a test SMS to")

    def handle(self, *args, **options):
        if not options["email"] and not options["sms"]:
            raise CommandError("Give --email ADDRESS and/or --sms NUMBER.")
        failures = 0
        for channel, to in (("email", options["email"]), ("sms", options["sms"])):
            if not to:
                continue
            # An unsaved notice: nothing is written to the database.
            notice = Notification(uuid=uuid.uuid4(), channel=channel, recipient=to,
                                  subject="loanflow test message / 测试消息")
            text = "This is a test message from loanflow. 这是一条来自 loanflow 的测试消息。"
            sender = email.EmailChannel() if channel == "email" else sms.SmsChannel()
            try:
                result = sender.send(notice, text, "")
            except DeliveryError as exc:
                failures += 1
                kind = "permanent" if exc.permanent else "temporary"
                self.stderr.write(f"{channel}: FAILED ({kind}): {exc}")
                continue
            self.stdout.write(
                f"{channel}: accepted (idempotency key {notice.uuid}, provider id {result.provider_message_id or '-'})"
            )
        if failures:
            raise CommandError(f"{failures} channel(s) failed")
