"""Settings of the notifications app, each with a working default.

Read through `conf.NAME` at the moment of use (not at import), so that
override_settings in tests applies. Values come from Django settings only;
loanflow/settings.py is the one place that reads the environment.
"""

from django.conf import settings

_DEFAULTS = {
    # SMS backend, in the manner of EMAIL_BACKEND.
    "NOTIFICATIONS_SMS_BACKEND": "notifications.channels.sms.ConsoleSmsBackend",
    # HTTP SMS gateway (notifications.channels.sms.HttpSmsBackend).
    "NOTIFICATIONS_SMS_GATEWAY_URL": "",
    "NOTIFICATIONS_SMS_GATEWAY_KEY": "",
    "NOTIFICATIONS_SMS_GATEWAY_TIMEOUT": 10,
    # Where the recording backends (tests, crash drills) write each send.
    "NOTIFICATIONS_RECORD_DIR": "",
    "NOTIFICATIONS_RECORD_DELAY": 0.0,
    # The console backends (development) print one line per message; True
    # prints whole messages.
    "NOTIFICATIONS_CONSOLE_BODIES": False,
    # Email: whether the ESP reports delivery through tracking webhooks. When
    # it does not (SMTP, console), a send the backend accepted counts as delivered.
    "NOTIFICATIONS_EMAIL_TRACKED": None,
    "NOTIFICATIONS_EMAIL_DOMAIN": "loanflow.local",
    # Retries: attempt n waits BACKOFF_BASE * 2**(n-1) seconds, +/- jitter.
    "NOTIFICATIONS_MAX_ATTEMPTS": 6,
    "NOTIFICATIONS_BACKOFF_BASE": 60,
    "NOTIFICATIONS_BACKOFF_MAX": 6 * 3600,
    "NOTIFICATIONS_BACKOFF_JITTER": 0.2,
    # A `sending` claim older than this belongs to a dead worker. Must exceed
    # the django-q2 task timeout, which bounds any live send, and every send
    # timeout (EMAIL_TIMEOUT, ANYMAIL["REQUESTS_TIMEOUT"], the SMS gateway's):
    # checks.py warns otherwise.
    "NOTIFICATIONS_CLAIM_TIMEOUT": 90,
    # A dead worker's claim on a provider that cannot drop a repeat (no
    # idempotency key: Postmark, Mailgun, SES, SMTP) may have been sent
    # already. It is held as uncertain this many seconds for the provider's
    # report (delivered, bounced, ...) before the notice is sent again.
    "NOTIFICATIONS_UNCERTAIN_GRACE": 900,
    # Where the recording email backend of the crash tests stops for good
    # (until the process is killed), one call each: "after" (the provider
    # accepted the message) and/or "before" (it never did), comma-separated.
    "NOTIFICATIONS_RECORD_HANG": "",
    # Rows the on_commit hook queued get this long before the sweeper queues
    # them again (the hook normally wins by far).
    "NOTIFICATIONS_SWEEP_GRACE": 30,
    "NOTIFICATIONS_SWEEP_BATCH": 2000,
    # The promise: no borrower goes more than this many business days without
    # news that reached them. A progress update (held cases: a hold reminder)
    # goes out once they have had none for SILENCE_DAYS - 1 whole business
    # days, leaving a day for failover, calls and escalation.
    "NOTIFICATIONS_SILENCE_DAYS": 3,
    # Hours a progress update may go without reaching the borrower before a
    # person is asked to call.
    "NOTIFICATIONS_SILENCE_CALL_AFTER_HOURS": 2,
    # Business days a notice may stay unacknowledged before a phone call.
    "NOTIFICATIONS_ACK_ESCALATION_DAYS": 3,
    # Circuit breaker per channel: consecutive failed attempts that open it,
    # and seconds it stays open before a probe.
    "NOTIFICATIONS_CIRCUIT_FAILURES": 5,
    "NOTIFICATIONS_CIRCUIT_COOL_OFF": 300,
    # Automatic messages (silence, hold reminders) go out only in these local hours.
    "NOTIFICATIONS_QUIET_HOURS_END": 8,
    "NOTIFICATIONS_QUIET_HOURS_START": 21,
    # The language of borrower messages when nothing else says otherwise.
    "NOTIFICATIONS_DEFAULT_LANGUAGE": "zh-hans",
    # SMS delivery receipts: HMAC-SHA256 secret shared with the gateway, and
    # how old a signed receipt may be before it counts as a replay.
    "NOTIFICATIONS_SMS_WEBHOOK_SECRET": "",
    "NOTIFICATIONS_WEBHOOK_MAX_AGE": 300,
}

class _Conf:
    def __getattr__(self, name):
        full = f"NOTIFICATIONS_{name}"
        if full not in _DEFAULTS:
            raise AttributeError(name)
        value = getattr(settings, full, _DEFAULTS[full])
        if full == "NOTIFICATIONS_EMAIL_TRACKED" and value is None:
            backend = settings.EMAIL_BACKEND
            value = backend.startswith("anymail.") and not backend.startswith("anymail.backends.test")
        return value


conf = _Conf()
