"""Writing borrower notices: the outbox.

The transition service calls notices_for_transition inside its transaction:
the rows commit with the transition or not at all, and sending is queued
only after commit. Bodies are rendered then, in the borrower's language,
except the status-page link: the raw token may never be stored, so it is put
in by final_bodies() in the worker, at send time.

A notice for a contact known not to work is written as suppressed; its news,
like that of a notice that failed, goes out on the next channel (failover).
What happens after sending is in notifications.outcomes; what the borrower
and staff do with notices in notifications.actions; statuses change only in
notifications.status.
"""

import contextlib
import contextvars
import functools
import logging
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from cases import reachability
from cases.identity import mask_contact
from cases.models import LoanCase
from loanflow.bulk_insert import insert_many
from notifications import circuit, defaults, links, news, rendering, staff, status, wording
from notifications.conf import conf
from notifications.models import (
    FAILOVER_ORDER,
    PENDING_STATUSES,
    Channel,
    MessageTemplate,
    Notification,
    NotificationStatus,
)

logger = logging.getLogger(__name__)

SEND_TASK = "notifications.tasks.send_notification"

# Within dispatch_suppressed(): no dispatch is queued, and the templates are
# read once (demo history writes thousands of notices in one go).
_suppressed = contextvars.ContextVar("notifications_dispatch_suppressed", default=None)


def queue(notification_ids):
    """Hand notices to django-q2's workers. Losing this is harmless: the
    sweeper queues every due notice again."""
    for pk in notification_ids:
        async_task(SEND_TASK, pk, q_options={"task_name": f"notice-{pk}"})


def queue_after_commit(notification_ids):
    """Queue once the caller's transaction commits (the outbox): never for a
    row that was rolled back. Robust: a broker outage must not turn a
    committed write into an error page; the sweeper queues what this misses."""
    if notification_ids:
        transaction.on_commit(functools.partial(queue, list(notification_ids)), robust=True)


# --- Writing notices (the outbox) ------------------------------------------


def notices_for_transition(*, case, record):
    """Write the notices a transition asks for, in the caller's transaction."""
    return notices_for_transitions([(case, record)])


def notices_for_transitions(pairs):
    """The notices of many transitions, in one query for templates and bulk
    inserts. `pairs` is [(case, record)]; each case's branch is read."""
    return notices_write(notices_build(pairs))


def notices_build(pairs):
    """The rendered, unsaved notices of many transitions, for notices_write.

    Apart so that a bulk import renders outside its write transaction."""
    pairs = list(pairs)
    if not pairs:
        return []
    templates = _templates({record.transition for _, record in pairs})
    notices = []
    for case, record in pairs:
        notices += _build(case, record.transition, record.created_at, templates, record=record, reason=record.reason)
    return notices


def notices_for_event(*, case, key, at=None, channels=None):
    """Notices of a system event (progress_update, hold_reminder, status_link)."""
    at = at or timezone.now()
    templates = _templates({key})
    return notices_write(_build(case, key, at, templates, channels=channels))


def notices_for_events(*, cases, key, at=None, extra=None):
    """The notices of one system event for many cases, in one insert.

    `extra` is a list, one dict per case, of values the templates may use
    besides the usual ones (e.g. previous_date for deadline_moved)."""
    cases = list(cases)
    if not cases:
        return []
    at = at or timezone.now()
    templates = _templates({key})
    extra = extra or [None] * len(cases)
    notices = []
    for case, values in zip(cases, extra, strict=True):
        notices += _build(case, key, at, templates, extra=values)
    return notices_write(notices)


@contextlib.contextmanager
def dispatch_suppressed(settle=None):
    """Notices written inside are stored but not queued: backdated demo history.

    `settle`, if given (notifications.demo.DemoOutcomes), gives each batch of
    notices its outcome before the INSERT and writes what follows from it
    (delivery events, staff tasks) after, so history is written once."""
    token = _suppressed.set({"templates": {}, "settle": settle})
    try:
        yield
    finally:
        _suppressed.reset(token)


def _templates(keys):
    """{(key, channel): MessageTemplate} in the borrower language, falling back
    to Chinese, then to the built-in defaults for an event left without any."""
    language = conf.DEFAULT_LANGUAGE
    suppressed = _suppressed.get()
    cache = suppressed["templates"] if suppressed is not None else None
    cache_key = (frozenset(keys), language)
    if cache is not None and cache_key in cache:
        return cache[cache_key]
    rows = MessageTemplate.objects.filter(key__in=keys, active=True, language__in={language, defaults.ZH})
    found = {}
    for row in sorted(rows, key=lambda row: row.language == language):
        found[(row.key, row.channel)] = row  # the borrower's language wins
    for key in keys - {key for key, _channel in found}:
        for fields in defaults.default_templates():
            if fields["key"] == key and fields["language"] in (language, defaults.ZH):
                if (key, fields["channel"]) not in found or fields["language"] == language:
                    found[(key, fields["channel"])] = MessageTemplate(**fields)
    if cache is not None:
        cache[cache_key] = found
    return found


def contact_of(case, channel):
    """The contact on file for a channel, whether or not it works ("" for
    the status page and phone calls, which need none)."""
    if channel == Channel.EMAIL:
        return case.borrower_email
    if channel == Channel.SMS:
        return case.borrower_phone
    return ""


def _unreachable(case, channel) -> bool:
    return (channel == Channel.EMAIL and case.email_unreachable) or (channel == Channel.SMS and case.phone_unreachable)


def recipient_for(case, channel):
    """Where the notice goes, or None when the borrower cannot be reached there."""
    if channel not in (Channel.EMAIL, Channel.SMS):
        return ""
    contact = contact_of(case, channel)
    return contact if contact and not _unreachable(case, channel) else None


def _build(case, key, at, templates, record=None, reason="", channels=None, extra=None):
    context = None
    notices = []
    for (template_key, channel), template in templates.items():
        if template_key != key or (channels is not None and channel not in channels):
            continue
        recipient = recipient_for(case, channel)
        # A contact known not to work still gets the notice, written but not
        # sent, so that correcting the contact can send it the latest news.
        suppressed = recipient is None and _unreachable(case, channel) and bool(contact_of(case, channel))
        if recipient is None and not suppressed:
            continue
        if context is None:
            context = rendering.context_for(case, template.language, reason=reason, extra=extra)
        subject, text, html = _render_safely(template, context, case)
        on_page = channel == Channel.STATUS_PAGE
        if on_page:
            status = NotificationStatus.DELIVERED  # shown on the page as soon as it is written
        else:
            status = NotificationStatus.SUPPRESSED if suppressed else NotificationStatus.QUEUED
        notices.append(
            Notification(
                case=case,
                transition=record,
                key=key,
                channel=channel,
                language=template.language,
                recipient=contact_of(case, channel) if suppressed else recipient,
                status=status,
                sent_at=at if on_page else None,
                delivered_at=at if on_page else None,
                next_attempt_at=at if status == NotificationStatus.QUEUED else None,
                subject=subject,
                body=text,
                body_html=html,
                created_at=at,
            )
        )
    return notices


def _render_safely(template, context, case):
    try:
        return rendering.render_template(template, context, id_number=case.borrower_id_number)
    except Exception:
        # An administrator's broken edit must not stop a transition: fall back
        # to the built-in text of the same event and channel.
        logger.exception("Template %s failed to render; using the default", template.pk)
        for fields in defaults.default_templates():
            if (fields["key"], fields["channel"], fields["language"]) == (
                template.key, template.channel, template.language
            ):
                return rendering.render_template(MessageTemplate(**fields), context, id_number=case.borrower_id_number)
        raise


def notices_write(notices, bulk=False):
    """Store notices (in the caller's transaction) and queue them after commit.

    `bulk`: an import of many cases' histories, written with insert_many
    (about 1.5x bulk_create's rate: bench/bench_seed.py prints both); every
    other write uses bulk_create."""
    if not notices:
        return []
    suppressed = _suppressed.get()
    settle = suppressed["settle"] if suppressed is not None else None
    settled = settle.before_insert(notices) if settle else None
    created = insert_many(notices) if bulk else Notification.objects.bulk_create(notices)
    if settle:
        settle.after_insert(settled)
    if suppressed is None:
        for notice in created:
            if notice.status == NotificationStatus.SUPPRESSED:
                # Written for a contact known not to work: its news needs
                # another way to the borrower, as a failed notice's does.
                failover(notice, at=notice.created_at)
    if suppressed is None:
        queue_after_commit([n.pk for n in created if n.status == NotificationStatus.QUEUED])
    return created


class NoWorkingChannel(Exception):
    """No notice could go out: the borrower has no working email or mobile."""


def link_reissue_and_tell(*, case, channels, at=None):
    """Issue the case's status-page link anew (the old one stops working) and
    send it on `channels`, in one transaction: staff re-sending it, or the
    borrower's "find my application". Raises NoWorkingChannel, and changes
    nothing, if none of the channels reaches the borrower."""
    with transaction.atomic():
        links.link_issue(case)
        notices = notices_for_event(case=case, key="status_link", at=at, channels=channels)
        if not any(notice.status == NotificationStatus.QUEUED for notice in notices):
            raise NoWorkingChannel
    return notices


def final_bodies(notification):
    """The text and HTML as sent: the stored bodies with the link put in."""
    text, html = notification.body, notification.body_html
    if rendering.LINK_PLACEHOLDER in text or rendering.LINK_PLACEHOLDER in html:
        url = links.status_page_url(notification.case)
        text = text.replace(rendering.LINK_PLACEHOLDER, url)
        html = html.replace(rendering.LINK_PLACEHOLDER, url)
    return text, html


def display_body(notification):
    """The stored body for staff screens (the link is shown as a marker)."""
    return notification.body.replace(rendering.LINK_PLACEHOLDER, _("[status page link]"))


def hide_recipient(text, recipient):
    """`text` with the borrower's address or number masked wherever it appears.

    Provider errors often quote the address ("<zhangsan@example.com>: no such
    mailbox"); they are stored and shown to staff, who see masked data only."""
    if not text or not recipient:
        return text
    spellings = {recipient}
    if recipient.startswith("+86"):  # a gateway may quote 8613812345678 or 13812345678
        spellings |= {recipient[1:], recipient[3:]}
    masked = mask_contact(recipient)
    for spelling in sorted(spellings, key=len, reverse=True):
        text = re.sub(re.escape(spelling), masked, text, flags=re.IGNORECASE)
    return text


# --- Failover --------------------------------------------------------------------


def error_text(notification):
    # The error is masked where it is stored; again here for rows stored before that.
    return wording.error_text(hide_recipient(notification.last_error or "", notification.recipient)[:200]) or "-"


def subject_of(notification):
    return notification.subject or str(wording.event_text(notification.key))


def _same_news(notification):
    """Every copy of the news `notification` carries (one per channel)."""
    return Notification.objects.filter(
        case_id=notification.case_id,
        key=notification.key,
        transition_id=notification.transition_id,
        created_at=notification.created_at,
    )


def failover(notification, *, at):
    """The news of a notice that failed, or waits behind an open circuit,
    goes out on the borrower's next working channel at once; when none
    works, a person is asked to call. Once per notice."""
    if not Notification.objects.filter(pk=notification.pk, failed_over_at__isnull=True).update(failed_over_at=at):
        return None
    copies = list(_same_news(notification).exclude(pk=notification.pk))
    reached = news.news_as_recent_as(notification)
    if reached is not None:
        # The borrower had this news (or later news) some other way.
        staff.tasks_close_for_news(
            case_id=notification.case_id, at=at, notification_ids=[notification.pk],
            outcome=_("Closed by itself: news reached the borrower (%(how)s, %(at)s).")
            % {"how": reached.get_how_display(), "at": timezone.localtime(reached.at).strftime("%Y-%m-%d %H:%M")},
        )
        staff.clear_attention_if_done(notification.case_id)
        return None
    on_its_way = [
        c for c in copies
        if c.channel in FAILOVER_ORDER and c.status in PENDING_STATUSES + (NotificationStatus.SENT,)
        and c.failed_over_at is None
    ]
    if on_its_way:
        return None  # that copy's own outcome decides; it fails over in turn
    case = LoanCase.objects.select_related("branch").get(pk=notification.case_id)
    tried = {c.channel for c in copies} | {notification.channel}
    for channel in FAILOVER_ORDER:
        if channel in tried or recipient_for(case, channel) is None or circuit.is_open(channel, at):
            continue
        templates = _templates({notification.key})
        fresh = _build(
            case, notification.key, notification.created_at, templates, record=notification.transition,
            reason=notification.transition.reason if notification.transition_id else "", channels=[channel],
        )
        for copy in fresh:
            copy.next_attempt_at = at
        written = notices_write(fresh)
        if written:
            status.note(notification.pk, event="failover", at=at, detail=channel)
            return written[0]
    # No outbound channel works: a person calls today. With a number known
    # not to work, the contact check (open since it failed) is the way to them.
    if not case.phone_unreachable:
        staff.call_ask(
            case=case,
            notification=notification,
            detail=_("No channel reaches the borrower for “%(subject)s” (%(channel)s: %(error)s). "
                     "Call them today and tell them.")
            % {"subject": subject_of(notification), "channel": notification.get_channel_display(),
               "error": error_text(notification)},
            at=at,
        )
    else:
        staff.contact_check_ask(
            case=case,
            notification=notification,
            detail=_("News for the borrower is waiting (“%(subject)s”), but their mobile is marked as not working "
                     "and no other channel reaches them. Find a working contact, correct it on the case page, "
                     "and tell them.") % {"subject": subject_of(notification)},
            at=at,
        )
    reachability.needs_attention(case.pk)
    return None
