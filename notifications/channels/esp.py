"""django-anymail backends that hand the notice's UUID to the ESP's own
idempotency layer, so a repeated send (a dead worker's claim sent again) is
dropped by the ESP instead of reaching the borrower twice.

anymail passes a message's custom headers inside the JSON body, as email
headers: an `Idempotency-Key` put there never reaches an ESP that reads it
as an HTTP header. Each ESP takes its key in its own place:

- Resend: the `Idempotency-Key` HTTP header of POST /emails (kept 24 hours);
- Brevo: `idempotencyKey` in the request's "headers" object (kept 15 to 30
  minutes, longer than any claim timeout plus a sweep).

Postmark, Mailgun and Amazon SES take no idempotency key: with them a dead
worker's claim is held as uncertain until the ESP's tracking webhook says
what happened (see dispatch._release_stale_claims).

Use these in EMAIL_BACKEND instead of anymail's own (checks.py warns when
anymail's Resend or Brevo backend is set directly).
"""

from anymail.backends.brevo import EmailBackend as AnymailBrevoBackend
from anymail.backends.resend import EmailBackend as AnymailResendBackend


class ResendEmailBackend(AnymailResendBackend):
    idempotent = True

    def build_message_payload(self, message, defaults):
        payload = super().build_message_payload(message, defaults)
        key = getattr(message, "idempotency_key", None)
        if key:
            payload.headers["Idempotency-Key"] = key
        return payload


class BrevoEmailBackend(AnymailBrevoBackend):
    idempotent = True

    def build_message_payload(self, message, defaults):
        payload = super().build_message_payload(message, defaults)
        key = getattr(message, "idempotency_key", None)
        if key:
            payload.data["headers"]["idempotencyKey"] = key
        return payload
