"""Borrower links and what the borrower does on the status page (writes).

Tokens are derived, never stored: the database holds only their SHA-256."""

import base64
import hashlib
import hmac
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes

from borrowers import conf
from borrowers.models import BorrowerLink, BorrowerQuestion
from cases.identity import normalize_id_number
from cases.models import LoanCase
from notifications import services as notification_services
from notifications import staff
from notifications.models import StaffTask

# What _token_for produces: 32 bytes of HMAC-SHA256, base64url without padding.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
# Looked up in place of a malformed token, so that every miss costs the same
# one indexed query (no timing difference between "malformed" and "unknown").
_NO_SUCH_HASH = "0" * 64


def _token_for(link) -> str:
    digest = hmac.new(force_bytes(conf.link_key()), b"borrower-link:" + link.key.bytes, hashlib.sha256)
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


def link_resend(case):
    """Rotate the case's link and send the new one by SMS ("find my application").

    The SMS body is rendered at send time with status_page_url(case), which
    then gives the new token."""
    with transaction.atomic():
        link, token = link_issue(case)
        notification_services.notices_for_event(case=case, key="status_link", channels=["sms"])
    return link


def link_request(*, case_number: str, phone: str) -> bool:
    """Send a fresh link if the case number and the mobile number on file match.

    `phone` is in E.164 form. The caller answers the borrower the same way
    whatever this returns."""
    case = LoanCase.objects.filter(number=case_number).first()
    if case is None or not case.borrower_phone or case.phone_unreachable:
        return False
    if not hmac.compare_digest(case.borrower_phone, phone):
        return False
    link_resend(case)
    return True


def id_last4_matches(case, answer: str) -> bool:
    """The light second factor: the last 4 characters of the ID number."""
    expected = normalize_id_number(case.borrower_id_number)[-4:]
    return len(expected) == 4 and hmac.compare_digest(expected, normalize_id_number(answer))


def question_ask(*, case, text, callback_time, submission, at=None) -> tuple[BorrowerQuestion, bool]:
    """Create a task for the officer from the borrower's question.

    Returns (question, created). The same `submission` asked twice returns
    the first question and creates nothing."""
    at = at or timezone.now()
    existing = BorrowerQuestion.objects.filter(submission=submission).select_related("task").first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            task = staff.task_create(
                case=case,
                kind=StaffTask.Kind.BORROWER_QUESTION,
                detail=text,
                callback_time=callback_time,
                at=at,
            )
            question = BorrowerQuestion.objects.create(case=case, task=task, submission=submission, created_at=at)
    except IntegrityError:
        # A concurrent double submit won the race; its task stands alone.
        return BorrowerQuestion.objects.select_related("task").get(submission=submission), False
    return question, True
