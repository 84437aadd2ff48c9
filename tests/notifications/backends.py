"""Email and SMS backends with provider outages and wrong numbers, for the retry and failover tests."""

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from notifications.channels import DeliveryError
from notifications.channels.sms import LocmemSmsBackend


class Outage:
    failures_left = 0
    calls = 0


class FlakyEmailBackend(EmailBackend):
    """Raises like a provider that is down for the next `Outage.failures_left`
    calls, then delivers into mail.outbox as the locmem backend does."""

    def send_messages(self, messages):
        Outage.calls += 1
        if Outage.failures_left > 0:
            Outage.failures_left -= 1
            raise ConnectionError("ESP unavailable (503)")
        return super().send_messages(messages)


class RefusingEmailBackend(EmailBackend):
    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"no such mailbox")})


def message_ids():
    return [m.extra_headers["Message-ID"] for m in mail.outbox]


class SmsOutage:
    down = False
    calls = 0


class FlakySmsBackend(LocmemSmsBackend):
    """An SMS gateway that times out while `SmsOutage.down`."""

    def send_message(self, message):
        SmsOutage.calls += 1
        if SmsOutage.down:
            raise DeliveryError("SMS gateway unreachable: read timeout")
        return super().send_message(message)


class InvalidNumberSmsBackend(LocmemSmsBackend):
    """A gateway that says the number does not exist."""

    def send_message(self, message):
        raise DeliveryError("SMS gateway refused (400): invalid_number", permanent=True, unreachable=True)


class ReceiptSmsBackend(LocmemSmsBackend):
    """Accepts; delivery (or failure) is reported later by a receipt."""

    receipts = True


class TimeoutSmsBackend(LocmemSmsBackend):
    def send_message(self, message):
        raise DeliveryError("SMS gateway unreachable: read timeout")


class BlockedContentSmsBackend(LocmemSmsBackend):
    """Refuses for good, but not because of the number."""

    def send_message(self, message):
        raise DeliveryError("SMS gateway refused (400): content blocked", permanent=True)
