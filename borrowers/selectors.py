"""Reads for the borrower pages. Everything starts from the borrower's one
case, so no query here can reach another borrower's data."""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone, translation

from borrowers import stages
from borrowers.models import BorrowerQuestion
from cases import sla
from cases.states import FINAL_STATES, CaseState
from notifications import wording
from notifications.models import (
    SEEN_STATUSES,
    Channel,
    Notification,
    NotificationStatus,
)
from notifications.rendering import LINK_PLACEHOLDER

# The copy shown when one event went out on several channels.
_CHANNEL_PREFERENCE = [Channel.STATUS_PAGE, Channel.SMS, Channel.EMAIL, Channel.PHONE]
# A link to the status page inside a message body: the token must not be
# repeated on the page it opens.
_LINK_RE = re.compile(r"(?:https?://[^\s/]+)?/s/[A-Za-z0-9_-]{16,}/?")
TIMELINE_LENGTH = 50


def notice_for_case(case, pk):
    return Notification.objects.filter(case=case, pk=pk).first()


def question_for_case(case, pk):
    return BorrowerQuestion.objects.select_related("task").filter(case=case, pk=pk).first()


def question_for_submission(case, submission):
    return BorrowerQuestion.objects.filter(case=case, submission=submission).first()


def questions_for_case(case, limit=10):
    return list(BorrowerQuestion.objects.select_related("task").filter(case=case)[:limit])


@dataclass
class TimelineEntry:
    notice: Notification  # the copy whose "I have received this" the page offers
    title: str
    body: str
    acknowledged_at: object
    unread: bool = False
    other_channels: str = ""


def _amount_variants(amount: Decimal):
    """How a message body might spell the loan amount."""
    variants = {f"{amount:,.2f}", f"{amount:.2f}", f"{amount:,.0f}", f"{amount:.0f}"}
    wan = amount / 10000
    variants |= {f"{wan:,.2f}万", f"{wan:.2f}万", f"{wan:,.0f}万", f"{wan:.0f}万", f"{wan.normalize():f}万"}
    return sorted(variants, key=len, reverse=True)


def mask_name(name):
    """张三 -> 张*: enough for the borrower to recognise, little for anyone else."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def redact(text, case, show_amount):
    """A message body as the status page may show it: no link (this is the
    page it leads to, and the token must not be repeated), the name masked,
    and the amount hidden until the borrower has given the second factor."""
    text = _LINK_RE.sub("", (text or "").replace(LINK_PLACEHOLDER, "")).strip()
    if case.borrower_name:
        text = text.replace(case.borrower_name, mask_name(case.borrower_name))
    if not show_amount:
        for variant in _amount_variants(case.loan_amount):
            text = text.replace(variant, "******")
    return text


def timeline(case, show_amount=False):
    """The notices the borrower was sent, newest first, one entry per event.

    The same event goes out on the status page, by SMS and by email; the
    borrower sees it once, as the status-page copy where there is one."""
    notices = (
        Notification.objects.filter(case=case)
        .exclude(status=NotificationStatus.CANCELLED)
        .order_by("-created_at", "-id")
    )
    language = translation.get_language()
    groups = {}
    for notice in notices:
        group_key = (notice.key, notice.transition_id or notice.created_at)
        groups.setdefault(group_key, []).append(notice)
    entries = []
    for copies in list(groups.values())[:TIMELINE_LENGTH]:
        copies.sort(key=lambda n: _CHANNEL_PREFERENCE.index(n.channel) if n.channel in _CHANNEL_PREFERENCE else 99)
        shown = copies[0]
        acknowledged = [n.acknowledged_at for n in copies if n.acknowledged_at]
        # A subject or body that is just the event key was never rendered for
        # people (queued, or a placeholder); the plain title says it instead.
        subject = redact(shown.subject, case, show_amount) if shown.subject != shown.key else ""
        entries.append(
            TimelineEntry(
                notice=shown,
                # The subject as sent, if it is in the language the page is
                # read in; else the event in a plain line in that language.
                title=subject if subject and shown.language == language else wording.event_text(shown.key),
                body=redact(shown.body, case, show_amount) if shown.body != shown.key else "",
                acknowledged_at=min(acknowledged) if acknowledged else None,
                unread=any(n.read_at is None and n.status in SEEN_STATUSES for n in copies),
                other_channels=stages.channel_list(
                    sorted({n.channel for n in copies if n.channel not in (Channel.STATUS_PAGE, shown.channel)})
                ),
            )
        )
    return entries


@dataclass
class Outlook:
    """When the current stage is expected to end, in the borrower's terms."""

    due_date: object = None  # the local day the stage is due by
    business_days_left: int | None = None
    overdue: bool = False
    borrowers_clock: bool = False  # the borrower is the one who must act
    provisional: bool = False  # the year's public holidays are not announced yet


def outlook(case, now=None):
    if case.due_at is None or case.status in FINAL_STATES or case.status == CaseState.ON_HOLD:
        return None
    now = now or timezone.now()
    due = sla.due_date(case.due_at)
    return Outlook(
        due_date=due,
        business_days_left=sla.business_days_between(sla.local_day(now), due),
        provisional=case.deadline_provisional,
        overdue=case.due_at < now,
        borrowers_clock=case.status == CaseState.DOCUMENTS_REQUESTED,
    )
