"""Email and SMS backends with provider outages and wrong numbers, for the retry and failover tests."""

from anymail.message import AnymailRecipientStatus, AnymailStatus
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import OperationalError, connection, connections

from notifications.channels import DeliveryError, sms
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


class KeyedSmsBackend(LocmemSmsBackend):
    """A gateway that drops a repeat of a message by its idempotency key."""

    idempotent = True

    def send_message(self, message):
        if any(sent.idempotency_key == message.idempotency_key for sent in sms.outbox):
            return f"locmem-{message.idempotency_key}"
        return super().send_message(message)


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


class WorkerKilled(BaseException):
    """The worker process dies here (SIGKILL, out of memory): no except
    clause of the worker sees it, and nothing after it runs."""


class Dying:
    accepted = True  # whether the ESP has the message when the worker dies


class DyingEmailBackend(EmailBackend):
    """An ESP without idempotency keys (Postmark, Mailgun, SES), whose worker
    dies after it accepted the message (Dying.accepted) or before."""

    def send_messages(self, messages):
        if Dying.accepted:
            super().send_messages(messages)
        raise WorkerKilled()


class Blip:
    """A database that fails the next `failures` writes of a notice after
    the ESP accepted it (see blip_after_accepting)."""

    failures = 0
    armed = 0


class BlipEmailBackend(EmailBackend):
    """Accepts into mail.outbox with an ESP message id, then arms the blip."""

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        for message in messages:
            message.anymail_status = AnymailStatus()
            message.anymail_status.set_recipient_status(
                {to: AnymailRecipientStatus(message_id=f"esp-{message.idempotency_key}", status="queued")
                 for to in message.to}
            )
        Blip.armed = Blip.failures
        return sent


def blip_after_accepting(execute, sql, params, many, context):
    """A connection.execute_wrapper: the armed number of writes to the
    notices table fail as a lost database connection does."""
    if Blip.armed > 0 and sql.lstrip().upper().startswith("UPDATE") and "notifications_notification" in sql:
        Blip.armed -= 1
        raise OperationalError("server closed the connection unexpectedly")
    return execute(sql, params, many, context)


class DatabaseRestartEmailBackend(BlipEmailBackend):
    """PostgreSQL only: after the ESP accepted, the worker's database session
    is terminated by the server (a failover or restart does this)."""

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        pid = connection.connection.info.backend_pid
        with connection.cursor() as cursor:  # the server, not the client, ends it
            cursor.execute("SELECT 1")
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            other.close()
        return sent
