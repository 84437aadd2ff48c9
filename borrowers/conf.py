"""The borrower pages' own settings, each with a default.

Read through this module so that the project settings need to name only what
an installation changes (e.g. BORROWER_HOTLINE = "95xxx")."""

from django.conf import settings


def _get(name, default):
    return getattr(settings, name, default)


# Shown where there is no case to take a branch hotline from (unknown link,
# "find my application").
def hotline():
    return _get("BORROWER_HOTLINE", "400-000-0000")


def hotline_hours():
    # Empty: the page says "weekdays 9:00–17:00" in the reader's language.
    return _get("BORROWER_HOTLINE_HOURS", "")


# A borrower session is short: it ends this many seconds after the link was
# opened (and when the browser closes). The link in the message still works.
def session_seconds():
    return _get("BORROWER_SESSION_SECONDS", 60 * 60)


# How long the language switch is remembered (the project's language cookie
# lasts only until the browser closes).
def language_cookie_age():
    return _get("BORROWER_LANGUAGE_COOKIE_AGE", 365 * 24 * 60 * 60)


# The request header that holds the client's address: REMOTE_ADDR, or e.g.
# HTTP_X_REAL_IP behind a proxy that sets it (never a header the client controls).
def client_ip_header():
    return _get("BORROWER_CLIENT_IP_HEADER", "REMOTE_ADDR")


# Rate limits: (attempts, window in seconds).
def link_miss_limit():
    """Unknown, revoked or malformed links opened from one address."""
    return _get("BORROWER_LINK_MISS_LIMIT", (20, 15 * 60))


def find_ip_limit():
    """"Find my application" requests from one address."""
    return _get("BORROWER_FIND_IP_LIMIT", (10, 60 * 60))


def find_case_limit():
    """"Find my application" requests naming one case number."""
    return _get("BORROWER_FIND_CASE_LIMIT", (3, 60 * 60))


def verify_limit():
    """Wrong answers to "last 4 characters of your ID number", per case."""
    return _get("BORROWER_VERIFY_LIMIT", (5, 60 * 60))


def question_limit():
    """Questions a borrower may send about one case."""
    return _get("BORROWER_QUESTION_LIMIT", (10, 24 * 60 * 60))
