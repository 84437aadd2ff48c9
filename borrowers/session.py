"""The borrower's short session: what opening a link gives them.

It lives inside the Django session under one key, so a staff login in the
same browser is not disturbed. It names the link, not the case: revoking or
re-issuing the link ends every session opened with it."""

import time

from borrowers import conf
from notifications import links

SESSION_KEY = "borrower"


def start(request, link):
    # A new session key on entry: a session id planted before the link was
    # opened never gains access to the case.
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "link": link.pk,
        "until": int(time.time()) + conf.session_seconds(),
        "verified": False,
    }


def current_link(request):
    """The active link of this session, or None (none, expired or revoked)."""
    data = request.session.get(SESSION_KEY)
    if not data or data.get("until", 0) < time.time():
        return None
    return links.link_for_session(data["link"])


def is_verified(request) -> bool:
    return bool(request.session.get(SESSION_KEY, {}).get("verified"))


def mark_verified(request):
    data = dict(request.session[SESSION_KEY])
    data["verified"] = True
    request.session[SESSION_KEY] = data


def end(request):
    request.session.pop(SESSION_KEY, None)
