"""Delivery reports from providers: django-anymail tracking events (email)
and signed SMS delivery receipts. Both only record and apply the event in a
few quick writes (senders retry slow webhooks) and never raise for an event
about a message we do not know: that is logged and acknowledged, so the
provider stops retrying.
"""

import hashlib
import hmac
import json
import logging
import time
import uuid

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.resend import ResendTrackingWebhookView
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseBadRequest, HttpResponseForbidden, HttpResponseNotFound, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications import outcomes as notification_outcomes
from notifications.conf import conf

logger = logging.getLogger(__name__)


# --- Email: anymail's tracking signal -----------------------------------------


def _anymail_secured(esp_name) -> bool:
    """Anymail accepts unauthenticated webhooks when no secret is configured
    (with only a warning); such events must change nothing here."""
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    if anymail.get("WEBHOOK_SECRET"):
        return True
    signing_key = f"{esp_name.upper()}_WEBHOOK_SIGNING_KEY"
    return bool(anymail.get(signing_key))


def on_tracking(sender, event, esp_name, **kwargs):
    if not _anymail_secured(esp_name):
        logger.warning("Ignored an unauthenticated %s webhook: set ANYMAIL['WEBHOOK_SECRET']", esp_name)
        return
    message_id = event.message_id
    timestamp = event.timestamp.isoformat() if event.timestamp else ""
    # Not every ESP gives an event id (Postmark deliveries do not); the same
    # event always yields the same id, so a repeat is recognised.
    raw_id = event.event_id or hashlib.sha256(
        f"{message_id}|{event.event_type}|{timestamp}|{event.recipient}".encode()
    ).hexdigest()
    metadata = event.metadata if isinstance(event.metadata, dict) else {}
    # The metadata comes back as the sender's JSON: the notice's UUID we put
    # there, or anything at all in a forged or mangled event.
    notification_uuid = _uuid_or_none(metadata.get("notification"))
    result = notification_outcomes.provider_event_record(
        message_id=message_id,
        event_id=f"{esp_name}:{raw_id}"[:255],
        kind=event.event_type,
        at=event.timestamp,
        detail=" ".join(str(part) for part in (event.description, event.mta_response) if part),
        payload={"esp": esp_name, "event_type": event.event_type, "reject_reason": event.reject_reason},
        reject_reason=event.reject_reason,
        notification_uuid=notification_uuid,
    )
    logger.info("%s %s event for %s: %s", esp_name, event.event_type, message_id, result)


def _uuid_or_none(value):
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) else None
    except ValueError:
        return None


class _StrictParsing:
    """Anymail answers 500 when a payload that passed authentication cannot
    be parsed, and the ESP retries it forever; a malformed payload is the
    sender's fault: answer 400."""

    def parse_events(self, request):
        try:
            return super().parse_events(request)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise AnymailWebhookValidationFailure(f"Malformed {self.esp_name} webhook payload") from exc


class MailgunTracking(_StrictParsing, MailgunTrackingWebhookView):
    """Anymail checks Mailgun's signature but neither its age nor what it was
    used for: a captured request could be replayed for ever, with any body.
    Refuse signatures older than the receipt age, and a token seen with
    another body within it (the cache is shared by every web process in
    production)."""

    def validate_request(self, request):
        try:
            super().validate_request(request)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            # Anymail reads the signature block before checking its type: a
            # body that is a list, or a "signature" that is a string, is
            # malformed, not a server error.
            raise AnymailWebhookValidationFailure("Mailgun webhook with a malformed signature block") from exc
        try:
            signature = json.loads(request.body)["signature"]
            signed_at, token = int(signature["timestamp"]), str(signature["token"])
        except (ValueError, KeyError, TypeError):
            raise AnymailWebhookValidationFailure("Mailgun webhook without a signature timestamp") from None
        if abs(time.time() - signed_at) > conf.WEBHOOK_MAX_AGE:
            raise AnymailWebhookValidationFailure("Mailgun webhook signed too long ago (a replay?)")
        # Mailgun signs the timestamp and token, not the body: a captured
        # signature would vouch for any body. A token vouches for one body
        # (the same request sent again is a harmless retry, deduplicated).
        key = f"mailgun-token:{hashlib.sha256(token.encode()).hexdigest()}"
        body = hashlib.sha256(request.body).hexdigest()
        if not cache.add(key, body, timeout=2 * conf.WEBHOOK_MAX_AGE) and cache.get(key) != body:
            raise AnymailWebhookValidationFailure("Mailgun webhook token used for another body (a replay)")


class PostmarkTracking(_StrictParsing, PostmarkTrackingWebhookView):
    pass


class ResendTracking(_StrictParsing, ResendTrackingWebhookView):
    pass


class BrevoTracking(_StrictParsing, BrevoTrackingWebhookView):
    pass


# Only these strict views are mounted (never anymail.urls): each answers 404
# until its provider is configured, instead of anymail's 500. They are the
# ESPs whose delivery reports we read (TRACKED_ESPS); check W008 warns about
# any other ESP.
_mailgun_view = MailgunTracking.as_view()
_postmark_view = PostmarkTracking.as_view()
_secured_views = {"postmark": _postmark_view, "resend": ResendTracking.as_view(), "brevo": BrevoTracking.as_view()}
TRACKED_ESPS = frozenset({"mailgun", *_secured_views})


@csrf_exempt
def mailgun_tracking(request):
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    if not anymail.get("MAILGUN_WEBHOOK_SIGNING_KEY"):
        return HttpResponseNotFound("Mailgun tracking is not configured")
    return _mailgun_view(request)


@csrf_exempt
def tracking(request, esp):
    """Postmark, Resend and Brevo: authenticated by ANYMAIL["WEBHOOK_SECRET"]
    (basic auth), as anymail documents for each."""
    if esp not in _secured_views:
        return HttpResponseNotFound("No such provider")
    if not _anymail_secured(esp):
        return HttpResponseNotFound(f"{esp} tracking is not configured")
    return _secured_views[esp](request)


# --- SMS delivery receipts -----------------------------------------------------

SMS_STATUSES = {
    "delivered": ("delivered", None),
    "failed": ("failed", None),
    "expired": ("failed", None),
    "undeliverable": ("failed", "undeliverable"),
    "invalid_number": ("failed", "invalid_number"),
    "sent": ("sent", None),
    "accepted": ("queued", None),
}


def sign_sms_receipt(secret: str, timestamp: str, body: bytes) -> str:
    """The signature a gateway puts in X-Loanflow-Signature."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


@csrf_exempt  # authenticated by its HMAC signature instead
@require_POST
def sms_receipt(request):
    """POST JSON {"event_id", "message_id", "status", "error"?} with headers
    X-Loanflow-Timestamp (unix seconds) and X-Loanflow-Signature
    (hex HMAC-SHA256 of "<timestamp>.<body>" under NOTIFICATIONS_SMS_WEBHOOK_SECRET)."""
    secret = conf.SMS_WEBHOOK_SECRET
    timestamp = request.headers.get("X-Loanflow-Timestamp", "")
    signature = request.headers.get("X-Loanflow-Signature", "")
    if not secret or not timestamp or not signature:
        return HttpResponseForbidden("unsigned")
    if not constant_time_compare(signature, sign_sms_receipt(secret, timestamp, request.body)):
        return HttpResponseForbidden("bad signature")
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError:
        return HttpResponseForbidden("bad timestamp")
    if age > conf.WEBHOOK_MAX_AGE:
        # A signed receipt captured earlier and sent again.
        return HttpResponseForbidden("stale timestamp")
    try:
        data = json.loads(request.body)
        event_id = str(data["event_id"])
        message_id = str(data["message_id"])
        kind, reason = SMS_STATUSES[data["status"]]
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest("malformed receipt")
    result = notification_outcomes.provider_event_record(
        message_id=message_id,
        event_id=f"sms:{event_id}"[:255],
        kind=kind,
        detail=str(data.get("error") or "")[:500],
        payload={"status": data["status"]},
        reject_reason=reason,
    )
    return JsonResponse({"result": result})


