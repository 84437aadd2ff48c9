"""Logging plumbing: one JSON object per line in production, and personal data
scrubbed from every line whatever the format.

Log lines leave the bank's systems (log shippers, support tickets), so they
must not carry what PIPL calls personal data, nor the borrowers' status-page
tokens, which open a case to whoever holds them. `RedactFilter` scrubs each
record as it reaches a handler; `GunicornLogger` does the same for gunicorn's
access lines (`logger_class = "loanflow.logs.GunicornLogger"`), which never
pass through Django.

Imports no loanflow app: settings load this module (import-linter contract).
"""

import datetime
import json
import logging
import os
import re

from gunicorn import glogging

# --- What is scrubbed -------------------------------------------------------------

# The borrower's link, /s/<token>/ (borrowers/urls.py), in a path, a full URL,
# a Referer or a request line; with or without the trailing slash.
_LINK_TOKEN = re.compile(r"(/s/)[^/\s?#\"'<>]+")
# A resident ID number: 17 digits and a digit or X, not inside a longer run.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# A mainland mobile, bare or in +86 / 0086 / 86 form (%2B86 in a query
# string), with optional spaces or dashes between the 3-4-4 groups; not inside
# a longer run of digits or letters.
_PHONE = re.compile(r"(?<![0-9A-Za-z+])(?:(?:\+|%2[Bb]|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9A-Za-z])")
# An email address, also with its @ percent-encoded (%40) in a query string.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@|%40)((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})"
)

LINK_REDACTED = r"\1[redacted]"


def _phone_last4(match):
    return "*" * 7 + re.sub(r"\D", "", match.group(0))[-4:]


def redact(text: str) -> str:
    """`text` without link tokens, ID numbers, mobile numbers or email
    addresses: 13812345678 -> *******5678, 110105199001010025 ->
    **************0025, zhangsan@example.com -> z***@example.com. Applying it
    twice changes nothing."""
    if not text:
        return text
    text = _LINK_TOKEN.sub(LINK_REDACTED, text)
    # ID numbers first: an 18-digit number holds 11-digit runs that look like mobiles.
    text = _ID_NUMBER.sub(lambda m: "*" * 14 + m.group(0)[-4:], text)
    text = _PHONE.sub(_phone_last4, text)
    return _EMAIL.sub(r"\1***\2\3", text)


class RedactFilter(logging.Filter):
    """Scrubs a record's message, its arguments and its traceback.

    Attach it to handlers, not loggers: a logger's filters do not see the
    records its children propagate. The message is rendered with its
    arguments first, so that an argument whose str() holds personal data (a
    model instance, an exception) is scrubbed too."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, scrubbed
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# --- How a line looks ---------------------------------------------------------------

# Context a caller may pass with extra={...}: named here so that nothing else
# a library puts on a record (a request object, a socket) is written out.
EXTRA_FIELDS = ("case_number", "notification_id")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC, ISO 8601), level, logger, message,
    case_number / notification_id when given, exc (the traceback)."""

    def format(self, record):
        entry = {
            "ts": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value if isinstance(value, int | float) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # Chinese stays readable; default=str so an odd extra never loses the line.
        return json.dumps(entry, ensure_ascii=False, default=str)


def wants_json(environ=None) -> bool:
    """LOG_FORMAT=json or text; unset: JSON unless DEBUG is on."""
    environ = os.environ if environ is None else environ
    chosen = environ.get("LOG_FORMAT", "").strip().lower()
    if chosen not in ("", "json", "text"):
        raise RuntimeError(f"LOG_FORMAT must be json or text, not {chosen!r}.")
    if chosen:
        return chosen == "json"
    return environ.get("DEBUG", "").strip().lower() not in ("1", "true", "yes", "on")


# --- gunicorn -----------------------------------------------------------------------


class GunicornLogger(glogging.Logger):
    """gunicorn's logger with loanflow's redaction (and JSON when wanted).

    Access lines are built from the request line, path, query string,
    Referer and headers: every text atom is scrubbed before the line is
    formatted, so a borrower's /s/<token>/ or a mobile in a query string
    never reaches the access log. gunicorn's own error log gets the filter too."""

    def setup(self, cfg):
        super().setup(cfg)
        json_lines = wants_json()
        # gunicorn's own handlers (--error-logfile, --access-logfile); handlers
        # of a logconfig_dict are the config's to set up (its filters can
        # name loanflow.logs.RedactFilter). Access lines are scrubbed in
        # atoms() whatever handler writes them.
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not getattr(handler, "_gunicorn", False):
                    continue
                if not any(isinstance(f, RedactFilter) for f in handler.filters):
                    handler.addFilter(RedactFilter())
                if json_lines:
                    handler.setFormatter(JsonFormatter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
