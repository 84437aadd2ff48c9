"""Email through Django's mail API, so any django-anymail ESP works by settings."""

import smtplib

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from notifications.channels import DeliveryError, SendResult
from notifications.conf import conf


def message_id_for(notification) -> str:
    return f"<{notification.uuid}@{conf.EMAIL_DOMAIN}>"


class EmailChannel:
    def send(self, notification, text, html) -> SendResult:
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient],
            headers={
                # The notification's UUID identifies every attempt, so an ESP
                # (or a mail server) can drop a repeat of the same message.
                "Message-ID": message_id_for(notification),
                "Idempotency-Key": str(notification.uuid),
                "X-Loanflow-Notification": str(notification.uuid),
            },
        )
        if html:
            message.attach_alternative(html, "text/html")
        # Anymail copies metadata to the ESP, which returns it in webhooks.
        message.metadata = {"notification": str(notification.uuid)}
        try:
            get_connection(fail_silently=False).send_messages([message])
        except Exception as exc:
            raise _classify(exc) from exc
        status = getattr(message, "anymail_status", None)
        provider_id = getattr(status, "message_id", None) if status is not None else None
        if isinstance(provider_id, set):  # anymail: one id per recipient
            provider_id = next(iter(provider_id), None)
        return SendResult(
            provider_message_id=str(provider_id) if provider_id is not None else None,
            delivered=not conf.EMAIL_TRACKED,
        )


def _classify(exc) -> DeliveryError:
    """Tell retryable failures (outage, throttling) from permanent ones."""
    if isinstance(exc, (smtplib.SMTPRecipientsRefused, AnymailRecipientsRefused)):
        return DeliveryError(f"recipient refused: {exc}", unreachable=True)
    if isinstance(exc, AnymailAPIError):
        code = getattr(exc, "status_code", None)
        if code is not None and 400 <= code < 500 and code not in (408, 409, 425, 429):
            return DeliveryError(f"ESP refused the message ({code}): {exc}", permanent=True)
    return DeliveryError(f"{type(exc).__name__}: {exc}")
