"""Email through Django's mail API, so any django-anymail ESP works by settings."""

import smtplib

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.module_loading import import_string

from notifications.channels import DeliveryError, SendResult
from notifications.conf import conf


def message_id_for(notification) -> str:
    return f"<{notification.uuid}@{conf.EMAIL_DOMAIN}>"


def backend_idempotent(path=None) -> bool:
    """Whether EMAIL_BACKEND's provider drops a repeat of a message by its
    idempotency key (notifications.channels.esp). A custom message header is
    not enough: anymail sends it in the body, where no ESP looks for a key."""
    return bool(getattr(import_string(path or settings.EMAIL_BACKEND), "idempotent", False))


class EmailChannel:
    @staticmethod
    def idempotent() -> bool:
        return backend_idempotent()

    def send(self, notification, text, html) -> SendResult:
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient],
            headers={
                # The notification's UUID identifies every attempt.
                "Message-ID": message_id_for(notification),
                "X-Loanflow-Notification": str(notification.uuid),
            },
        )
        # Where the ESP reads its idempotency key (an HTTP header for Resend)
        # only its backend knows: the backends in channels.esp put it there.
        message.idempotency_key = str(notification.uuid)
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
