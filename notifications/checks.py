"""System checks: settings that would silently lose or expose notices."""

from django.conf import settings
from django.core.checks import Warning, register

from notifications.conf import conf
from notifications.webhooks import TRACKED_ESPS

# Backends that write every message, with the borrower's contact details and
# live status-page link, to stdout or a local file: for development only.
_LOGGING_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "notifications.channels.console.EmailBackend",
}
_LOGGING_SMS_BACKENDS = {
    "notifications.channels.sms.ConsoleSmsBackend",
    "notifications.channels.sms.FileSmsBackend",
}


@register()
def check_notification_settings(app_configs, **kwargs):
    problems = []
    q_timeout = getattr(settings, "Q_CLUSTER", {}).get("timeout", 60)
    if conf.CLAIM_TIMEOUT <= q_timeout:
        problems.append(
            Warning(
                "NOTIFICATIONS_CLAIM_TIMEOUT must exceed Q_CLUSTER['timeout'], or a live send can be sent again.",
                id="notifications.W001",
            )
        )
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    if _esp_of(settings.EMAIL_BACKEND) and not anymail.get("WEBHOOK_SECRET"):
        problems.append(
            Warning(
                "ANYMAIL['WEBHOOK_SECRET'] is empty: email tracking webhooks will be ignored.",
                id="notifications.W002",
            )
        )
    if conf.SMS_BACKEND.endswith("HttpSmsBackend") and not conf.SMS_WEBHOOK_SECRET:
        problems.append(
            Warning(
                "NOTIFICATIONS_SMS_WEBHOOK_SECRET is empty: SMS delivery receipts will be refused.",
                id="notifications.W003",
            )
        )
    return problems


# anymail backends of ESPs that take an idempotency key, and ours that pass it.
_KEYED_ESP_BACKENDS = {
    "anymail.backends.resend.EmailBackend": "notifications.channels.esp.ResendEmailBackend",
    "anymail.backends.brevo.EmailBackend": "notifications.channels.esp.BrevoEmailBackend",
    "anymail.backends.sendinblue.EmailBackend": "notifications.channels.esp.BrevoEmailBackend",
}


# Seconds kept for writing an attempt's outcome after the send returns
# (dispatch.OUTCOME_RETRY_PAUSES add up to 7.7).
OUTCOME_WRITE_MARGIN = 10


def _seconds(timeout):
    """A send timeout as a number of seconds (None: none at all). requests
    also takes (connect, read): a send may take both."""
    if isinstance(timeout, (tuple, list)):
        return sum(timeout)
    return timeout


@register()
def check_send_timeouts(app_configs, **kwargs):
    """Every send must give up before its claim counts as a dead worker's,
    or the sweeper sends a notice again while the first send still runs."""
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    timeouts = {
        "EMAIL_TIMEOUT": settings.EMAIL_TIMEOUT,  # SMTP
        'ANYMAIL["REQUESTS_TIMEOUT"]': anymail.get("REQUESTS_TIMEOUT", 30),  # anymail's own default
        "NOTIFICATIONS_SMS_GATEWAY_TIMEOUT": conf.SMS_GATEWAY_TIMEOUT,
    }
    # The send and the writing of its outcome (retried for a few seconds
    # after a database blip) must end before django-q2 kills the task and
    # before the claim counts as a dead worker's.
    q_timeout = getattr(settings, "Q_CLUSTER", {}).get("timeout", 60)
    limit = min(conf.CLAIM_TIMEOUT, q_timeout) - OUTCOME_WRITE_MARGIN
    problems = []
    for name, timeout in timeouts.items():
        seconds = _seconds(timeout)
        if seconds is None or seconds >= limit:
            problems.append(
                Warning(
                    f"{name} is {timeout!r}: a send may outlast its task (Q_CLUSTER['timeout'], {q_timeout} s) or "
                    f"its claim (NOTIFICATIONS_CLAIM_TIMEOUT, {conf.CLAIM_TIMEOUT} s) and be sent again.",
                    hint=f"Set {name} below {limit} seconds (the environment's EMAIL_TIMEOUT sets both email "
                    "timeouts).",
                    id="notifications.W006",
                )
            )
    keyed = _KEYED_ESP_BACKENDS.get(settings.EMAIL_BACKEND)
    if keyed:
        problems.append(
            Warning(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}, which does not pass the notice's idempotency key to "
                "the ESP: a dead worker's email is held for NOTIFICATIONS_UNCERTAIN_GRACE instead of being "
                "deduplicated by the ESP.",
                hint=f"Set EMAIL_BACKEND to {keyed}.",
                id="notifications.W007",
            )
        )
    return problems


def _esp_of(backend):
    """The ESP an email backend sends through ("resend"), or None (SMTP, console)."""
    if backend.startswith("anymail.backends."):
        esp = backend.split(".")[2]
        return "brevo" if esp == "sendinblue" else esp  # anymail's old name for Brevo
    if backend.startswith("notifications.channels.esp."):
        return backend.rsplit(".", 1)[1].removesuffix("EmailBackend").lower()
    return None


@register(deploy=True)
def check_delivery_reports(app_configs, **kwargs):
    """Email counts as news that reached the borrower only when the ESP
    reports delivery; without reports every email stays "sent", the silence
    rule turns to phone calls, bounces never flag a wrong address, and a dead
    worker's email is sent again after the grace."""
    esp = _esp_of(settings.EMAIL_BACKEND)
    if esp is None or esp in TRACKED_ESPS or esp == "test":
        return []
    return [
        Warning(
            f"EMAIL_BACKEND sends through {esp}, whose delivery reports loanflow does not receive: no email will "
            "count as delivered, and a dead worker's email is sent again after NOTIFICATIONS_UNCERTAIN_GRACE.",
            hint="Use one of " + ", ".join(sorted(TRACKED_ESPS)) + " (their tracking webhooks are "
            "at /notifications/email/<esp>/tracking/), or add a strict tracking view for this ESP.",
            id="notifications.W008",
        )
    ]


@register(deploy=True)
def check_production_backends(app_configs, **kwargs):
    """The defaults are console backends, so that a development install works
    out of the box; a production install that forgets to set them would put
    personal data and working status-page links into its logs."""
    if settings.DEBUG:
        return []
    problems = []
    if settings.EMAIL_BACKEND in _LOGGING_EMAIL_BACKENDS:
        problems.append(
            Warning(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: borrower emails, with their status-page "
                "links, are written to the logs and never sent.",
                hint="Set EMAIL_BACKEND to an SMTP or django-anymail backend.",
                id="notifications.W004",
            )
        )
    if conf.SMS_BACKEND in _LOGGING_SMS_BACKENDS:
        problems.append(
            Warning(
                f"NOTIFICATIONS_SMS_BACKEND is {conf.SMS_BACKEND}: borrower SMS, with their phone numbers "
                "and status-page links, are written to the logs and never sent.",
                hint="Set NOTIFICATIONS_SMS_BACKEND to notifications.channels.sms.HttpSmsBackend and configure "
                "the gateway.",
                id="notifications.W005",
            )
        )
    return problems
