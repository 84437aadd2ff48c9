"""Writes of borrower notices and staff tasks.

CONTRACT (other apps call these; keep the signatures):
  notices_for_transition(*, case, record) -> list[Notification]
  notices_for_transitions(pairs) -> list[Notification]   (bulk: [(case, record), ...])
  notices_build(pairs) -> list[Notification]   (rendered, unsaved) and notices_write(notices): the same, in two steps
  notices_for_event(*, case, key, at=None, channels=None) -> list[Notification]
  notices_for_events(*, cases, key, at=None, extra=None) -> list[Notification]   (one event, many cases)
  dispatch_suppressed(settle=None)  context manager: notices written inside are not queued
      (demo history; settle=notifications.demo.DemoOutcomes gives old notices realistic outcomes)
  notification_mark_read(*, notification, at=None) -> bool
  notifications_mark_read_for_case(*, case, at=None) -> int  (the borrower opened their page)
  notification_acknowledge(*, notification, at=None) -> bool
  notification_retry(*, notification, actor) -> Notification
  notification_mark_handled(*, notification, actor, note="") -> Notification
  task_complete(*, task, actor, outcome, reached=True) -> StaffTask
  contact_corrected(*, case, channel, actor, at) -> Notification | None   (called by cases.services)
  (staff tasks themselves: notifications.staff; news that reached the borrower: notifications.news)

The transition service calls notices_for_transition inside its transaction:
the rows commit with the transition or not at all, and dispatch is queued
only after commit. Bodies are rendered then, in the borrower's language,
except the status-page link: the raw token may never be stored, so it is put
in by final_bodies() in the worker, at send time.
"""

import contextlib
import contextvars
import functools
import logging
import re
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.identity import mask_contact
from cases.models import LoanCase
from cases.selectors import user_can_access_case
from loanflow.bulk_insert import insert_many
from notifications import circuit, defaults, dispatch, links, news, rendering, staff
from notifications.conf import conf
from notifications.models import (
    FAILOVER_ORDER,
    NOT_WORKING_STATUSES,
    PENDING_STATUSES,
    SEEN_STATUSES,
    BorrowerNews,
    Channel,
    DeliveryEvent,
    MessageTemplate,
    Notification,
    NotificationStatus,
    StaffTask,
)

logger = logging.getLogger(__name__)

# Within dispatch_suppressed(): no dispatch is queued, and the templates are
# read once (demo history writes thousands of notices in one go).
_suppressed = contextvars.ContextVar("notifications_dispatch_suppressed", default=None)


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


def _contact(case, channel):
    """The contact on file for a channel, whether or not it works ("" for
    the status page and phone calls, which need none)."""
    if channel == Channel.EMAIL:
        return case.borrower_email
    if channel == Channel.SMS:
        return case.borrower_phone
    return ""


def _unreachable(case, channel) -> bool:
    return (channel == Channel.EMAIL and case.email_unreachable) or (channel == Channel.SMS and case.phone_unreachable)


def _recipient(case, channel):
    """Where the notice goes, or None when the borrower cannot be reached there."""
    if channel not in (Channel.EMAIL, Channel.SMS):
        return ""
    contact = _contact(case, channel)
    return contact if contact and not _unreachable(case, channel) else None


def _build(case, key, at, templates, record=None, reason="", channels=None, extra=None):
    context = None
    notices = []
    for (template_key, channel), template in templates.items():
        if template_key != key or (channels is not None and channel not in channels):
            continue
        recipient = _recipient(case, channel)
        # A contact known not to work still gets the notice, written but not
        # sent, so that correcting the contact can send it the latest news.
        suppressed = recipient is None and _unreachable(case, channel) and bool(_contact(case, channel))
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
                recipient=_contact(case, channel) if suppressed else recipient,
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


def notices_write(notices):
    """Store notices (in the caller's transaction) and queue them after commit."""
    if not notices:
        return []
    suppressed = _suppressed.get()
    settle = suppressed["settle"] if suppressed is not None else None
    settled = settle.before_insert(notices) if settle else None
    created = insert_many(notices)
    if settle:
        settle.after_insert(settled)
    if suppressed is None:
        for notice in created:
            if notice.status == NotificationStatus.SUPPRESSED:
                # Written for a contact known not to work: its news needs
                # another way to the borrower, as a failed notice's does.
                failover(notice, at=notice.created_at)
    queued = [n.pk for n in created if n.status == NotificationStatus.QUEUED]
    if queued and suppressed is None:
        # After commit only; robust: a broker outage must not turn a committed
        # transition into an error page. The sweeper queues what this misses.
        transaction.on_commit(functools.partial(dispatch.queue, queued), robust=True)
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


def _event(notification_id, kind, at, detail="", **extra):
    return DeliveryEvent.objects.create(notification_id=notification_id, kind=kind, detail=detail, created_at=at, **extra)


# --- Outcomes ----------------------------------------------------------------


def notice_failed(notification, *, unreachable, at):
    """A notice ended without reaching the borrower, in the caller's
    transaction, after its status changed: a named person gets a task (check
    the contact, or call), and the same news goes out on the next channel at
    once. A phone call that did not reach the borrower is escalated to the
    branch supervisor the same business day."""
    case = notification.case
    if notification.channel == Channel.PHONE:
        LoanCase.objects.filter(pk=case.pk).update(needs_attention=True)
        staff.escalate(
            case=case,
            notification=notification,
            at=at,
            detail=_("The officer could not reach the borrower by phone about “%(subject)s”: %(outcome)s. "
                     "Reach them today, or find a working contact.")
            % {"subject": _subject(notification), "outcome": (notification.last_error or "-")[:200]},
        )
        return
    if unreachable:
        _contact_failed(notification, at)
    elif notification.recipient == _contact(case, notification.channel):
        LoanCase.objects.filter(pk=case.pk).update(needs_attention=True)
        if not StaffTask.objects.filter(
            notification=notification, kind=StaffTask.Kind.CALL_BORROWER, status=StaffTask.Status.OPEN
        ).exists():
            staff.task_create(
                case=case,
                kind=StaffTask.Kind.CALL_BORROWER,
                notification=notification,
                detail=_("The %(channel)s notice could not be delivered: %(error)s. Call the borrower and tell them.")
                % {"channel": notification.get_channel_display(), "error": _error_text(notification)},
                at=at,
            )
    failover(notification, at=at)


def _contact_failed(notification, at):
    """The contact itself is wrong: flag it (later notices on the channel are
    written as suppressed, not sent) and ask the officer to verify it. Only
    if it is still the contact on file: a late report about a number staff
    have since corrected says nothing about the new one."""
    flag = "email_unreachable" if notification.channel == Channel.EMAIL else "phone_unreachable"
    field = "borrower_email" if notification.channel == Channel.EMAIL else "borrower_phone"
    staff.lock_case(notification.case_id)
    on_file = LoanCase.objects.filter(pk=notification.case_id, **{field: notification.recipient})
    if not on_file.update(needs_attention=True, **{flag: True}):
        return
    if StaffTask.objects.filter(
        case_id=notification.case_id, kind=StaffTask.Kind.VERIFY_CONTACT, status=StaffTask.Status.OPEN,
        notification__channel=notification.channel,
    ).exists():
        return
    staff.task_create(
        case=notification.case,
        kind=StaffTask.Kind.VERIFY_CONTACT,
        notification=notification,
        detail=_("The borrower's %(channel)s (%(recipient)s) does not work: %(error)s. Check the contact details, "
                 "correct them on the case page, and tell the borrower by phone.")
        % {
            "channel": notification.get_channel_display(),
            "recipient": mask_contact(notification.recipient),
            "error": _error_text(notification),
        },
        at=at,
    )


def _error_text(notification):
    # The error is masked where it is stored; again here for rows stored before that.
    return hide_recipient(notification.last_error or "", notification.recipient)[:200] or "-"


def _subject(notification):
    return notification.subject or notification.key


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
        if channel in tried or _recipient(case, channel) is None or circuit.is_open(channel, at):
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
            _event(notification.pk, "failover", at, detail=channel)
            return written[0]
    # No outbound channel works: a person calls today. With a number known
    # not to work, the contact check (open since it failed) is the way to them.
    if not case.phone_unreachable:
        staff.call_ask(
            case=case,
            notification=notification,
            detail=_("No channel reaches the borrower for “%(subject)s” (%(channel)s: %(error)s). "
                     "Call them today and tell them.")
            % {"subject": _subject(notification), "channel": notification.get_channel_display(),
               "error": _error_text(notification)},
            at=at,
        )
    else:
        staff.contact_check_ask(
            case=case,
            notification=notification,
            detail=_("News for the borrower is waiting (“%(subject)s”), but their mobile is marked as not working "
                     "and no other channel reaches them. Find a working contact, correct it on the case page, "
                     "and tell them.") % {"subject": _subject(notification)},
            at=at,
        )
    LoanCase.objects.filter(pk=case.pk).update(needs_attention=True)
    return None


# Provider events (email tracking webhooks, SMS delivery receipts): what each
# normalized event does to the notice.
_DELIVERED_EVENTS = {"delivered"}
_READ_EVENTS = {"opened", "clicked"}
_BOUNCE_EVENTS = {"bounced"}
_FAILED_EVENTS = {"rejected", "failed"}
# A hard bounce or refusal for these reasons means the address itself is wrong.
_UNREACHABLE_REASONS = {"invalid", "bounced", "invalid_number", "undeliverable", "unreachable_number"}


def provider_event_record(*, message_id, event_id, kind, at=None, detail="", payload=None, reject_reason=None,
                          notification_uuid=None):
    """Record one provider event and apply it. Returns what happened:
    "applied", "recorded" (kept, no status change), "duplicate" or "unknown".

    Quick by design (webhook senders retry slow answers): a few indexed
    writes in one transaction, no network."""
    at = at or timezone.now()
    with transaction.atomic():
        rows = Notification.objects.select_for_update()
        notification = rows.filter(provider_message_id=message_id).first() if message_id else None
        if notification is None and notification_uuid:
            notification = rows.filter(uuid=notification_uuid).first()
        if notification is None:
            logger.info("Provider event %s for unknown message %r ignored", kind, message_id)
            return "unknown"
        try:
            with transaction.atomic():
                detail = hide_recipient(detail or "", notification.recipient)
                _event(notification.pk, f"provider:{kind}", at, detail=detail[:2000],
                       provider_event_id=event_id, payload=payload or {})
        except IntegrityError:
            return "duplicate"
        return "applied" if _apply_provider_event(notification, kind, at, reject_reason) else "recorded"


def _apply_provider_event(notification, kind, at, reject_reason):
    rows = Notification.objects.filter(pk=notification.pk)
    status = notification.status
    if kind in _DELIVERED_EVENTS and status in (NotificationStatus.SENDING, NotificationStatus.SENT):
        rows.update(status=NotificationStatus.DELIVERED, delivered_at=at)
        _news_delivered(notification, at)
        return True
    if kind in _READ_EVENTS and status in (NotificationStatus.SENT, NotificationStatus.DELIVERED):
        rows.update(status=NotificationStatus.READ, delivered_at=Coalesce(F("delivered_at"), Value(at)), read_at=at)
        if status == NotificationStatus.SENT:  # opened before the delivery receipt came
            _news_delivered(notification, at)
        return True
    failed = kind in _BOUNCE_EVENTS or kind in _FAILED_EVENTS
    unreachable = kind in _BOUNCE_EVENTS or (reject_reason or "") in _UNREACHABLE_REASONS
    error = f"{kind}: {reject_reason or ''}".strip(": ")
    if failed and status in (NotificationStatus.SENDING, NotificationStatus.SENT, NotificationStatus.DELIVERED):
        new = NotificationStatus.BOUNCED if kind in _BOUNCE_EVENTS else NotificationStatus.FAILED
        rows.update(status=new, failed_at=at, last_error=error)
        if status == NotificationStatus.DELIVERED:
            news.news_retract(notification=notification, at=at)  # it never reached them after all
        notification.refresh_from_db()
        notice_failed(notification, unreachable=unreachable, at=at)
        return True
    if failed and unreachable and status in (NotificationStatus.READ, NotificationStatus.ACKNOWLEDGED):
        # A late bounce: the borrower saw this news on the status page, but
        # the address or number itself is wrong, and the next message would
        # go there. The status stays (they had the news); the contact is flagged.
        rows.update(last_error=error)
        notification.last_error = error
        _contact_failed(notification, at)
        return True
    return False


def _news_delivered(notification, at):
    if notification.channel in (Channel.EMAIL, Channel.SMS):
        news.news_record(case_id=notification.case_id, at=at, how=notification.channel, notification=notification)


# --- The borrower --------------------------------------------------------------


def notification_mark_read(*, notification, at=None) -> bool:
    """The borrower saw the notice (on their status page). Idempotent."""
    at = at or timezone.now()
    changed = _mark_read(Notification.objects.filter(pk=notification.pk), at)
    if changed:
        _event(notification.pk, "read", at)
        notification.refresh_from_db()
    return bool(changed)


def status_page_opened(*, case, unread=True, at=None) -> int:
    """The borrower opened their status page: that is news reaching them,
    and (if the page showed any unread) its notices are read. Returns the
    number marked read. A reload within the hour costs one query."""
    at = at or timezone.now()
    if not news.visited_recently(case.pk, at):
        with transaction.atomic():
            news.news_record(case_id=case.pk, at=at, how=BorrowerNews.How.STATUS_PAGE)
    return notifications_mark_read_for_case(case=case, at=at) if unread else 0


def notifications_mark_read_for_case(*, case, at=None) -> int:
    """Every notice the status page shows is read (the borrower opened it)."""
    at = at or timezone.now()
    rows = Notification.objects.filter(case=case, read_at__isnull=True)
    ids = list(rows.filter(status__in=SEEN_STATUSES).values_list("pk", flat=True))
    if not ids:
        return 0
    changed = _mark_read(Notification.objects.filter(pk__in=ids), at)
    DeliveryEvent.objects.bulk_create(
        [DeliveryEvent(notification_id=pk, kind="read", created_at=at) for pk in ids]
    )
    return changed


def _mark_read(rows, at):
    return rows.filter(read_at__isnull=True, status__in=SEEN_STATUSES).update(
        read_at=at,
        delivered_at=Coalesce(F("delivered_at"), Value(at)),
        status=Case(
            When(status__in=(NotificationStatus.SENT, NotificationStatus.DELIVERED), then=Value(NotificationStatus.READ)),
            default=F("status"),
        ),
    )


def notification_acknowledge(*, notification, at=None) -> bool:
    """The borrower pressed "I have received this". Idempotent; returns
    whether anything changed. Any phone call planned because this message
    went unacknowledged is no longer needed."""
    at = at or timezone.now()
    with transaction.atomic():
        changed = (
            Notification.objects.filter(pk=notification.pk, acknowledged_at__isnull=True)
            .exclude(status=NotificationStatus.CANCELLED)
            .update(
                acknowledged_at=at,
                status=NotificationStatus.ACKNOWLEDGED,
                read_at=Coalesce(F("read_at"), Value(at)),
                delivered_at=Coalesce(F("delivered_at"), Value(at)),
            )
        )
        if changed:
            _event(notification.pk, "acknowledged", at)
            news.news_record(
                case_id=notification.case_id, at=at, how=BorrowerNews.How.ACKNOWLEDGED, notification=notification
            )
            staff.tasks_close_unacknowledged(
                case_id=notification.case_id,
                up_to=notification.created_at,
                at=at,
                outcome=_("The borrower acknowledged the message on the status page."),
            )
    notification.refresh_from_db()
    return bool(changed)


# --- Staff ---------------------------------------------------------------------


def _require_access(actor, case):
    if not user_can_access_case(actor, case):
        raise PermissionDenied(_("No such case."))


def notification_retry(*, notification, actor):
    """Send a failed or bounced notice again, to the case's current contact."""
    _require_access(actor, notification.case)
    if notification.status not in (NotificationStatus.FAILED, NotificationStatus.BOUNCED):
        raise ValidationError(_("Only a failed or bounced notice can be sent again."), code="not_failed")
    case = LoanCase.objects.get(pk=notification.case_id)
    recipient = _recipient(case, notification.channel)
    if recipient is None:
        raise ValidationError(
            _("The borrower's %(channel)s is missing or marked as not working. Verify it with the borrower and "
              "correct the contact details first, then send the notice again."),
            code="unreachable",
            params={"channel": notification.get_channel_display()},
        )
    with transaction.atomic():
        _requeue(notification, recipient, timezone.now(), "retry", actor.get_username())
    notification.refresh_from_db()
    return notification


def _requeue(notification, recipient, at, event_kind, detail):
    """Send a notice that did not reach the borrower again, to `recipient`,
    as a fresh start (attempts, provider id, idempotency key and failover reset)."""
    changed = Notification.objects.filter(pk=notification.pk, status__in=NOT_WORKING_STATUSES).update(
        status=NotificationStatus.QUEUED, recipient=recipient, next_attempt_at=at, attempts=0,
        failed_at=None, last_error="", provider_message_id=None, failed_over_at=None,
        # A new idempotency key: the provider has the old one on record as
        # done (refused, or sent to the old contact) and would drop the resend.
        uuid=uuid.uuid4(),
    )
    if changed:
        _event(notification.pk, event_kind, at, detail=detail)
        transaction.on_commit(functools.partial(dispatch.queue, [notification.pk]), robust=True)
    return bool(changed)


def notification_mark_handled(*, notification, actor, note=""):
    """Staff reached the borrower another way; open tasks about it are done."""
    _require_access(actor, notification.case)
    now = timezone.now()
    with transaction.atomic():
        changed = Notification.objects.filter(pk=notification.pk, handled_at__isnull=True).update(
            handled_at=now, handled_by=actor
        )
        if changed:
            _event(notification.pk, "handled", now, detail=note)
            for task in StaffTask.objects.filter(notification=notification, status=StaffTask.Status.OPEN):
                staff.task_close(task, outcome=note, at=now, actor=actor)
            staff.clear_attention_if_done(notification.case_id)
    notification.refresh_from_db()
    return notification


def task_complete(*, task, actor, outcome, reached=True):
    """Record what came of a task.

    Reaching the borrower is news for them: it delivers a phone notice and
    handles a failed one. Not reaching them never ends the matter: a call
    about a failed notice, or a contact check, is escalated to the branch
    supervisor the same business day; a phone notice fails and is escalated;
    an escalation or a borrower's question stays open with the attempt noted."""
    _require_access(actor, task.case)
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError(_("Please say what came of it (for a call: what the borrower was told)."), code="outcome")
    now = timezone.now()
    with transaction.atomic():
        if not reached and task.kind in (StaffTask.Kind.BORROWER_QUESTION, StaffTask.Kind.ESCALATION):
            staff.task_note_attempt(task, actor=actor, outcome=outcome, at=now)
        elif staff.task_close(task, outcome=outcome, at=now, actor=actor, reached=reached):
            _task_outcome(task, actor, outcome, reached, now)
    task.refresh_from_db()
    return task


def _task_outcome(task, actor, outcome, reached, now):
    notification = Notification.objects.select_for_update().get(pk=task.notification_id) if task.notification_id else None
    if task.kind == StaffTask.Kind.PHONE_NOTICE and notification is not None:
        _phone_notice_outcome(notification, reached, outcome, now)
    elif reached and notification is not None:
        Notification.objects.filter(pk=notification.pk, handled_at__isnull=True).update(handled_at=now, handled_by=actor)
        _event(notification.pk, "handled", now, detail=outcome)
    if reached:
        news.news_record(case_id=task.case_id, at=now, how=BorrowerNews.How.CALL, notification=notification)
        staff.clear_attention_if_done(task.case_id)
    elif task.kind in (StaffTask.Kind.CALL_BORROWER, StaffTask.Kind.VERIFY_CONTACT):
        staff.escalate(
            case=task.case,
            notification=notification,
            at=now,
            detail=_("%(user)s could not reach the borrower (%(task)s): %(outcome)s. Reach them today, or find a "
                     "working contact.")
            % {"user": actor.get_username(), "task": task.get_kind_display(), "outcome": outcome[:300]},
        )


def _phone_notice_outcome(notification, reached, outcome, now):
    rows = Notification.objects.filter(
        pk=notification.pk, status__in=[NotificationStatus.QUEUED, NotificationStatus.SENDING, NotificationStatus.SENT]
    )
    if reached:
        if rows.update(status=NotificationStatus.DELIVERED, delivered_at=now, claimed_at=None):
            _event(notification.pk, "delivered", now, detail=outcome)
    elif rows.update(status=NotificationStatus.FAILED, failed_at=now, claimed_at=None, last_error=outcome[:500]):
        _event(notification.pk, "failed", now, detail=outcome)
        notification.refresh_from_db()
        notice_failed(notification, unreachable=False, at=now)


def contact_corrected(*, case, channel, actor, at):
    """The borrower's contact for `channel` was corrected (cases.services,
    in its transaction): the contact checks are done, and the latest news
    that did not reach the borrower there goes to the new contact (or, with
    none, a progress update). Returns the notice sent, if any."""
    staff.tasks_close_for_contact(
        case_id=case.pk, channel=channel, actor=actor, at=at,
        outcome=_("The contact was corrected by %(user)s.") % {"user": actor.get_username()},
    )
    staff.clear_attention_if_done(case.pk)
    recipient = _recipient(case, channel)
    # Notices still waiting to go (a retry, an outage) go to the new contact;
    # the newest of them is the latest news, nothing needs resending.
    waiting = list(Notification.objects.filter(case=case, channel=channel, status=NotificationStatus.QUEUED))
    for notice in waiting:
        Notification.objects.filter(pk=notice.pk, status=NotificationStatus.QUEUED).update(
            recipient=recipient, uuid=uuid.uuid4(), provider_message_id=None
        )
        _event(notice.pk, "retargeted_to_corrected_contact", at, detail=actor.get_username())
    if waiting:
        return max(waiting, key=lambda notice: (notice.created_at, notice.pk))
    latest = (
        Notification.objects.filter(case=case, channel=channel, status__in=NOT_WORKING_STATUSES)
        .order_by("-created_at", "-id")
        .first()
    )
    # The latest news that did not reach them there, unless newer news has
    # reached them since: then a progress update says where things stand.
    if latest is not None and news.news_as_recent_as(latest) is None:
        if _requeue(latest, recipient, at, "resent_to_corrected_contact", actor.get_username()):
            return latest
    if case.is_final:
        return None
    written = notices_write(_build(case, "progress_update", at, _templates({"progress_update"}), channels=[channel]))
    return written[0] if written else None


# --- Demo data -------------------------------------------------------------------
