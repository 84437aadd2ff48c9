"""What a notice and its delivery events are called, in the reader's language.

Events and errors are stored as the code and the provider's own words (they
are evidence); they are put into words only when shown, so a page in Chinese
says 已送达 · 第1次发送 and 手机无法接通, and rows written long ago read the
same as new ones. Provider text we do not recognise is shown as it came.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

# One plain line per notice event (notification.key), as the borrower and
# staff call it: the status page's titles and the subject of a staff task.
EVENT_TEXT = {
    "sign": pgettext_lazy("borrower notice", "You signed the loan contract"),
    "start_review": pgettext_lazy("borrower notice", "Your application went to review"),
    "approve": pgettext_lazy("borrower notice", "Your loan was approved"),
    "reject": pgettext_lazy("borrower notice", "Your application was not approved"),
    "request_documents": pgettext_lazy("borrower notice", "We asked you for more documents"),
    "receive_documents": pgettext_lazy("borrower notice", "We received your documents; the review goes on"),
    "start_registration": pgettext_lazy("borrower notice", "Mortgage registration started"),
    "disburse": pgettext_lazy("borrower notice", "Your loan was paid out"),
    "hold": pgettext_lazy("borrower notice", "Your application was paused"),
    "resume": pgettext_lazy("borrower notice", "Your application goes on again"),
    "withdraw": pgettext_lazy("borrower notice", "Your application was withdrawn"),
    "progress_update": pgettext_lazy("borrower notice", "News on your application"),
    "hold_reminder": pgettext_lazy("borrower notice", "Your application is still paused"),
    "deadline_moved": pgettext_lazy("borrower notice", "The expected date of your application changed"),
    "status_link": pgettext_lazy("borrower notice", "We sent you a new link to this page"),
    "ack_escalation": pgettext_lazy("borrower notice", "We asked whether our notice reached you"),
}
DEFAULT_EVENT_TEXT = pgettext_lazy("borrower notice", "A message from the bank")


def event_text(key):
    return EVENT_TEXT.get(key, DEFAULT_EVENT_TEXT)


# DeliveryEvent.kind as staff read it on the timeline.
DELIVERY_EVENTS = {
    "sending": gettext_lazy("sending"),
    "sent": gettext_lazy("handed to the provider"),
    "delivered": gettext_lazy("delivered"),
    "read": gettext_lazy("read on the status page"),
    "acknowledged": gettext_lazy("acknowledged by the borrower"),
    "attempt_failed": gettext_lazy("attempt failed, will try again"),
    "failed": gettext_lazy("failed"),
    "bounced": gettext_lazy("bounced"),
    "claim_expired": gettext_lazy("worker stopped; sent again"),
    "uncertain": gettext_lazy("not known whether the provider has it; waiting for its report"),
    "uncertain_expired": gettext_lazy("no report from the provider; sent again"),
    "deferred": gettext_lazy("waiting: the provider is down"),
    "failover": gettext_lazy("the same news sent on another channel"),
    "retry": gettext_lazy("sent again by staff"),
    "handled": gettext_lazy("handled by staff"),
    "escalated": gettext_lazy("not acknowledged: the officer calls"),
    "retargeted_to_corrected_contact": gettext_lazy("redirected to the corrected contact"),
    "resent_to_corrected_contact": gettext_lazy("sent again to the corrected contact"),
}

# Anymail's normalized event types (and our SMS gateway's, mapped to them).
PROVIDER_EVENTS = {
    "queued": gettext_lazy("queued"),
    "sent": gettext_lazy("sent"),
    "deferred": gettext_lazy("delayed"),
    "delivered": gettext_lazy("delivered"),
    "opened": gettext_lazy("opened"),
    "clicked": gettext_lazy("link clicked"),
    "bounced": gettext_lazy("bounced"),
    "rejected": gettext_lazy("refused"),
    "failed": gettext_lazy("failed"),
    "complained": gettext_lazy("marked as spam"),
    "unsubscribed": gettext_lazy("unsubscribed"),
    "autoresponded": gettext_lazy("automatic reply"),
}

CHANNELS = {"email": gettext_lazy("email"), "sms": gettext_lazy("SMS"), "phone": gettext_lazy("phone call")}


def delivery_event_label(kind):
    """"delivered" -> 已送达; "provider:bounced" -> 服务商回执：退信."""
    if kind.startswith("provider:"):
        what = kind.split(":", 1)[1]
        return _("provider report: %(event)s") % {"event": PROVIDER_EVENTS.get(what, what)}
    return str(DELIVERY_EVENTS.get(kind, kind))


# Errors we write ourselves, or our channels quote, and what they mean. A
# variable part (an exception's text, a status code) is kept after the words.
_ERRORS = [
    (re.compile(r"^handset unreachable$", re.I), gettext_lazy("the handset cannot be reached")),
    (re.compile(r"^mailbox unavailable(?: \((?P<code>\d+)\))?$", re.I), gettext_lazy("the mailbox does not exist")),
    (re.compile(r"^SMS gateway unreachable: (?P<more>.*)$", re.I), gettext_lazy("the SMS gateway did not answer")),
    (re.compile(r"^SMS gateway refused \((?P<code>\d+)\): (?P<more>.*)$", re.I),
     gettext_lazy("the SMS gateway refused the message")),
    (re.compile(r"^SMS gateway (?P<code>\d+): (?P<more>.*)$", re.I), gettext_lazy("the SMS gateway failed")),
    (re.compile(r"^recipient refused: (?P<more>.*)$", re.I), gettext_lazy("the mail server refused the address")),
    (re.compile(r"^ESP refused the message \((?P<code>\d+)\): (?P<more>.*)$", re.I),
     gettext_lazy("the email provider refused the message")),
    (re.compile(r"^provider outage outlasted the notice$", re.I),
     gettext_lazy("the provider was down longer than the notice may wait")),
    (re.compile(r"^worker stopped during every attempt$", re.I),
     gettext_lazy("the sending worker stopped during every attempt")),
    (re.compile(r"^the worker stopped before recording the outcome$", re.I),
     gettext_lazy("the sending worker stopped before the outcome was known")),
    (re.compile(r"^(?P<channel>email|sms) provider circuit open$", re.I),
     gettext_lazy("the provider is down; this notice waits for it")),
    (re.compile(r"^bounced(?:: (?P<more>.*))?$", re.I), gettext_lazy("bounced")),
    (re.compile(r"^rejected(?:: (?P<more>.*))?$", re.I), gettext_lazy("refused by the provider")),
    (re.compile(r"^failed(?:: (?P<more>.*))?$", re.I), gettext_lazy("the provider could not deliver it")),
]
# "label: text" in the reader's punctuation (第2次发送：手机无法接通).
COLON = pgettext_lazy("label separator", ": ")
_ATTEMPT = re.compile(r"^attempt (?P<n>\d+)(?:: (?P<rest>.*))?$", re.S)


def error_text(text):
    """A stored error or event detail in the reader's words:
    "attempt 2: handset unreachable" -> 第2次发送：手机无法接通."""
    text = (text or "").strip()
    attempt = _ATTEMPT.match(text)
    if attempt:
        label = _("attempt %(n)s") % {"n": attempt["n"]}
        return f"{label}{COLON}{error_text(attempt['rest'])}" if attempt["rest"] else label
    for pattern, words in _ERRORS:
        found = pattern.match(text)
        if not found:
            continue
        parts = found.groupdict()
        if parts.get("channel"):
            return f"{CHANNELS.get(parts['channel'].lower(), parts['channel'])}{COLON}{words}"
        extra = " ".join(p for p in (parts.get("code"), parts.get("more")) if p)
        return f"{words} ({extra})" if extra else str(words)
    return text
