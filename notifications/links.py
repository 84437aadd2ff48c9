"""Borrower links: the token in every message that opens the borrower's
status page (/s/<token>/). Tokens are derived, never stored: the database
holds only their SHA-256. Nothing here sends anything; the only writer of
BorrowerLink. The notice that carries a new link is written by
notifications.services.link_reissue_and_tell.
"""

import base64
import hashlib
import hmac
import re

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes

from cases.models import LoanCase
from notifications.models import BorrowerLink

# What _token_for produces: 32 bytes of HMAC-SHA256, base64url without padding.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
# Looked up in place of a malformed token, so that every miss costs the same
# one indexed query (no timing difference between "malformed" and "unknown").
_NO_SUCH_HASH = "0" * 64


def link_key():
    """The key borrower-link tokens are derived with. Kept apart from
    SECRET_KEY (set BORROWER_LINK_KEY in production, from a vault), so that a
    database dump plus the web server's environment is not enough to rebuild
    live links, and rotating SECRET_KEY does not break links already sent."""
    return getattr(settings, "BORROWER_LINK_KEY", "") or settings.SECRET_KEY


def _token_for(link) -> str:
    digest = hmac.new(force_bytes(link_key()), b"borrower-link:" + link.key.bytes, hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(force_bytes(token)).hexdigest()


def _lock_case(case):
    # Issuing is serialised per case, so two issuers (staff re-sending, the
    # borrower's "find my application", a worker's first send) never race on
    # the one-active-link constraint or revoke each other's fresh link.
    LoanCase.objects.select_for_update().filter(pk=case.pk).exists()


def _issue_locked(case) -> tuple[BorrowerLink, str]:
    link_revoke(case)
    link = BorrowerLink(case=case)
    token = _token_for(link)
    link.token_hash = hash_token(token)
    link.save()
    return link, token


def link_issue(case) -> tuple[BorrowerLink, str]:
    """Revoke any active link of the case and issue a new one; returns (link, token)."""
    with transaction.atomic():
        _lock_case(case)
        return _issue_locked(case)


def link_revoke(case) -> int:
    """Revoke the case's link without issuing another; open sessions end too."""
    return BorrowerLink.objects.filter(case=case, revoked_at__isnull=True).update(revoked_at=timezone.now())


def link_active_token(case) -> str:
    """The token of the case's active link, issuing one if there is none."""
    link = BorrowerLink.objects.filter(case=case, revoked_at__isnull=True).first()
    if link is None:
        with transaction.atomic():
            _lock_case(case)
            # Read again under the lock: another worker may have issued it.
            link = BorrowerLink.objects.filter(case=case, revoked_at__isnull=True).first()
            if link is None:
                return _issue_locked(case)[1]
    return _token_for(link)


def status_page_url(case, token=None) -> str:
    token = token or link_active_token(case)
    return settings.SITE_URL + reverse("borrowers:enter", args=[token])


def link_resolve(token: str):
    """The active link for a token, or None. Always one indexed lookup by hash."""
    well_formed = bool(token) and bool(TOKEN_RE.match(token))
    link = (
        BorrowerLink.objects.select_related("case", "case__branch")
        .filter(token_hash=hash_token(token) if well_formed else _NO_SUCH_HASH, revoked_at__isnull=True)
        .first()
    )
    return link if well_formed else None


def link_for_session(link_id):
    """The link a borrower session was opened with, if still active."""
    return (
        BorrowerLink.objects.select_related("case", "case__branch")
        .filter(pk=link_id, revoked_at__isnull=True)
        .first()
    )
