"""Borrower links: issue, revoke, resolve. Tokens are derived, never stored."""

import base64
import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes

from borrowers.models import BorrowerLink


def _token_for(link) -> str:
    digest = hmac.new(force_bytes(settings.SECRET_KEY), b"borrower-link:" + link.key.bytes, hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(force_bytes(token)).hexdigest()


def link_issue(case) -> tuple[BorrowerLink, str]:
    """Revoke any active link of the case and issue a new one; returns (link, token)."""
    with transaction.atomic():
        BorrowerLink.objects.filter(case=case, revoked_at__isnull=True).update(revoked_at=timezone.now())
        link = BorrowerLink(case=case)
        token = _token_for(link)
        link.token_hash = hash_token(token)
        link.save()
    return link, token


def link_active_token(case) -> str:
    """The token of the case's active link, issuing one if there is none."""
    link = BorrowerLink.objects.filter(case=case, revoked_at__isnull=True).first()
    if link is None:
        link, token = link_issue(case)
        return token
    return _token_for(link)


def status_page_url(case, token=None) -> str:
    token = token or link_active_token(case)
    return settings.SITE_URL + reverse("borrowers:enter", args=[token])


def link_resolve(token: str):
    """The active link for a token, or None. One indexed lookup by hash."""
    if not token or len(token) > 100:
        return None
    return (
        BorrowerLink.objects.select_related("case")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )
