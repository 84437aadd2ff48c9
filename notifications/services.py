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
  task_create(*, case, kind, detail="", notification=None, callback_time="", assigned_to=None, at=None) -> StaffTask
  task_complete(*, task, actor, outcome, reached=True) -> StaffTask

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

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, TextField, Value, When
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import sla
from cases.identity import mask_contact
from cases.models import LoanCase
from cases.selectors import user_can_access_case
from loanflow.bulk_insert import insert_many
from notifications import defaults, dispatch, rendering
from notifications.conf import conf
from notifications.models import (
    SEEN_STATUSES,
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


def _recipient(case, channel):
    """Where the notice goes, or None when the borrower cannot be reached there."""
    if channel == Channel.EMAIL:
        return case.borrower_email if case.borrower_email and not case.email_unreachable else None
    if channel == Channel.SMS:
        return case.borrower_phone if case.borrower_phone and not case.phone_unreachable else None
    return ""  # status page and phone call: the case itself


def _build(case, key, at, templates, record=None, reason="", channels=None, extra=None):
    context = None
    notices = []
    for (template_key, channel), template in templates.items():
        if template_key != key or (channels is not None and channel not in channels):
            continue
        recipient = _recipient(case, channel)
        if recipient is None:
            continue
        if context is None:
            context = rendering.context_for(case, template.language, reason=reason, extra=extra)
        subject, text, html = _render_safely(template, context, case)
        on_page = channel == Channel.STATUS_PAGE
        notices.append(
            Notification(
                case=case,
                transition=record,
                key=key,
                channel=channel,
                language=template.language,
                recipient=recipient,
                # Shown on the borrower's page as soon as it is written.
                status=NotificationStatus.DELIVERED if on_page else NotificationStatus.QUEUED,
                sent_at=at if on_page else None,
                delivered_at=at if on_page else None,
                next_attempt_at=None if on_page else at,
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
    queued = [n.pk for n in created if n.status == NotificationStatus.QUEUED]
    if queued and suppressed is None:
        # After commit only; robust: a broker outage must not turn a committed
        # transition into an error page. The sweeper queues what this misses.
        transaction.on_commit(functools.partial(dispatch.queue, queued), robust=True)
    return created


def final_bodies(notification):
    """The text and HTML as sent: the stored bodies with the link put in."""
    text, html = notification.body, notification.body_html
    if rendering.LINK_PLACEHOLDER in text or rendering.LINK_PLACEHOLDER in html:
        from borrowers.services import status_page_url

        url = status_page_url(notification.case)
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
    """A notice ended without reaching the borrower: a person must act.

    Runs in the caller's transaction, after the status changed."""
    case_id = notification.case_id
    fields = {"needs_attention": True}
    if unreachable and notification.channel == Channel.EMAIL:
        fields["email_unreachable"] = True
    if unreachable and notification.channel == Channel.SMS:
        fields["phone_unreachable"] = True
    LoanCase.objects.filter(pk=case_id).update(**fields)
    kind = StaffTask.Kind.VERIFY_CONTACT if unreachable else StaffTask.Kind.CALL_BORROWER
    if StaffTask.objects.filter(notification=notification, kind=kind, status=StaffTask.Status.OPEN).exists():
        return
    if unreachable:
        detail = _("The borrower's %(channel)s (%(recipient)s) does not work: %(error)s. Check the contact details and tell the borrower by phone.")
    else:
        detail = _("The %(channel)s notice could not be delivered: %(error)s. Call the borrower and tell them.")
    # The error is masked where it is stored; again here for rows stored before that.
    error = hide_recipient(notification.last_error or "", notification.recipient)
    task_create(
        case=notification.case,
        kind=kind,
        notification=notification,
        detail=detail % {
            "channel": notification.get_channel_display(),
            "recipient": mask_contact(notification.recipient),
            "error": error[:200] or "-",
        },
        at=at,
    )


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
        return rows.update(status=NotificationStatus.DELIVERED, delivered_at=at)
    if kind in _READ_EVENTS and status in (NotificationStatus.SENT, NotificationStatus.DELIVERED):
        return rows.update(status=NotificationStatus.READ, delivered_at=Coalesce(F("delivered_at"), Value(at)),
                           read_at=at)
    failed = kind in _BOUNCE_EVENTS or kind in _FAILED_EVENTS
    # A bounce after the borrower read or acknowledged the message changes nothing.
    if failed and status in (NotificationStatus.SENDING, NotificationStatus.SENT, NotificationStatus.DELIVERED):
        new = NotificationStatus.BOUNCED if kind in _BOUNCE_EVENTS else NotificationStatus.FAILED
        rows.update(status=new, failed_at=at, last_error=f"{kind}: {reject_reason or ''}".strip(": "))
        notification.refresh_from_db()
        unreachable = kind in _BOUNCE_EVENTS or (reject_reason or "") in _UNREACHABLE_REASONS
        notice_failed(notification, unreachable=unreachable, at=at)
        return True
    return False


# --- The borrower --------------------------------------------------------------


def notification_mark_read(*, notification, at=None) -> bool:
    """The borrower saw the notice (on their status page). Idempotent."""
    at = at or timezone.now()
    changed = _mark_read(Notification.objects.filter(pk=notification.pk), at)
    if changed:
        _event(notification.pk, "read", at)
        notification.refresh_from_db()
    return bool(changed)


def notifications_mark_read_for_case(*, case, at=None) -> int:
    """The borrower opened their page: every notice shown there is read."""
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
            StaffTask.objects.filter(
                case_id=notification.case_id,
                kind=StaffTask.Kind.CALL_BORROWER,
                status=StaffTask.Status.OPEN,
                notification__escalated_at__isnull=False,
                notification__created_at__lte=notification.created_at,
            ).update(
                status=StaffTask.Status.DONE,
                completed_at=at,
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
    now = timezone.now()
    with transaction.atomic():
        changed = Notification.objects.filter(
            pk=notification.pk, status__in=[NotificationStatus.FAILED, NotificationStatus.BOUNCED]
        ).update(
            status=NotificationStatus.QUEUED, recipient=recipient, next_attempt_at=now, attempts=0,
            failed_at=None, last_error="", provider_message_id=None,
        )
        if changed:
            _event(notification.pk, "retry", now, detail=actor.get_username())
            transaction.on_commit(functools.partial(dispatch.queue, [notification.pk]), robust=True)
    notification.refresh_from_db()
    return notification


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
            StaffTask.objects.filter(notification=notification, status=StaffTask.Status.OPEN).update(
                status=StaffTask.Status.DONE, completed_at=now, completed_by=actor, outcome=note
            )
            _clear_attention_if_done(notification.case_id)
    notification.refresh_from_db()
    return notification


def _clear_attention_if_done(case_id):
    open_work = StaffTask.objects.filter(
        case_id=case_id,
        status=StaffTask.Status.OPEN,
        kind__in=[StaffTask.Kind.CALL_BORROWER, StaffTask.Kind.VERIFY_CONTACT],
    ).exists()
    if not open_work:
        LoanCase.objects.filter(pk=case_id, needs_attention=True).update(needs_attention=False)


def task_create(*, case, kind, detail="", notification=None, callback_time="", assigned_to=None, at=None):
    """A task for the case's officer (or `assigned_to`), due the next business day."""
    at = at or timezone.now()
    due = sla.deadline(at, 1)
    return StaffTask.objects.create(
        case=case,
        kind=kind,
        detail=detail,
        notification=notification,
        callback_time=callback_time,
        # By id: the case's officer need not be read (one query per task in a loop).
        assigned_to_id=assigned_to.pk if assigned_to else case.officer_id,
        due_at=due,
        created_at=at,
    )


def task_complete(*, task, actor, outcome, reached=True):
    """Record what came of a task. For a phone notice, reaching the borrower
    delivers the notice; not reaching them fails it like any undelivered
    notice (a call-back task, the case needs attention). For a call about a
    failed notice, reaching them handles it. A borrower's question stays open
    until the borrower is reached: the attempt is noted, nothing is answered."""
    _require_access(actor, task.case)
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError(_("Please say what came of it (for a call: what the borrower was told)."), code="outcome")
    now = timezone.now()
    if task.kind == StaffTask.Kind.BORROWER_QUESTION and not reached:
        return _question_attempt(task, actor, outcome, now)
    with transaction.atomic():
        changed = StaffTask.objects.filter(pk=task.pk, status=StaffTask.Status.OPEN).update(
            status=StaffTask.Status.DONE,
            # Earlier unanswered calls (see _question_attempt) stay on record.
            outcome=Case(
                When(outcome="", then=Value(outcome)),
                default=Concat(F("outcome"), Value("\n" + outcome), output_field=TextField()),
                output_field=TextField(),
            ),
            completed_at=now,
            completed_by=actor,
        )
        if changed and task.notification_id:
            notification = Notification.objects.select_for_update().get(pk=task.notification_id)
            if task.kind == StaffTask.Kind.PHONE_NOTICE:
                _phone_notice_outcome(notification, reached, outcome, now)
            elif reached:
                Notification.objects.filter(pk=notification.pk, handled_at__isnull=True).update(
                    handled_at=now, handled_by=actor
                )
                _event(notification.pk, "handled", now, detail=outcome)
        if changed and reached:
            _clear_attention_if_done(task.case_id)
    task.refresh_from_db()
    return task


def _question_attempt(task, actor, outcome, now):
    """The officer called about a borrower's question and did not reach them.

    The task stays open (the borrower's page must not say it was answered,
    and the officer's list keeps it); each attempt is added to its outcome."""
    with transaction.atomic():
        current = StaffTask.objects.select_for_update().filter(pk=task.pk, status=StaffTask.Status.OPEN).first()
        if current is not None:
            note = _("%(at)s, %(user)s: not reached. %(outcome)s") % {
                "at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
                "user": actor.get_username(),
                "outcome": outcome,
            }
            current.outcome = "\n".join(line for line in (current.outcome, note) if line)
            current.save(update_fields=["outcome"])
    task.refresh_from_db()
    return task


def _phone_notice_outcome(notification, reached, outcome, now):
    rows = Notification.objects.filter(
        pk=notification.pk, status__in=[NotificationStatus.QUEUED, NotificationStatus.SENDING, NotificationStatus.SENT]
    )
    if reached:
        if rows.update(status=NotificationStatus.DELIVERED, delivered_at=now, claimed_at=None):
            _event(notification.pk, "delivered", now, detail=outcome)
    elif rows.update(status=NotificationStatus.FAILED, failed_at=now, claimed_at=None, last_error=outcome[:500]):
        _event(notification.pk, "failed", now, detail=outcome)
        # The same end as any undelivered notice: the case needs attention and
        # a call-back task is written. That task is a CALL_BORROWER, which
        # completes without sending anything, so no phone task breeds another.
        notification.refresh_from_db()
        notice_failed(notification, unreachable=False, at=now)


# --- Demo data -------------------------------------------------------------------
