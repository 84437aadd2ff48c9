"""What the borrower and staff do with notices and tasks: the borrower opens
their page and acknowledges; staff retry, mark handled, record what came of
a task, and correct a contact (through cases.services). Statuses change
through notifications.status, tasks through notifications.staff.
"""

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import LoanCase
from cases.selectors import user_can_access_case
from notifications import news, outcomes, services, staff, status
from notifications.models import (
    NOT_WORKING_STATUSES,
    BorrowerNews,
    Notification,
    NotificationStatus,
    StaffTask,
)

# --- The borrower --------------------------------------------------------------

_UNREAD = (NotificationStatus.SENT, NotificationStatus.DELIVERED)


def notification_mark_read(*, notification, at=None) -> bool:
    """The borrower saw the notice (on their status page). Idempotent."""
    at = at or timezone.now()
    changed = _mark_read(notification.pk, at)
    if changed:
        notification.refresh_from_db()
    return changed


def _mark_read(notification_id, at):
    return status.change(
        notification_id, to=NotificationStatus.READ, source=_UNREAD, where=Q(read_at__isnull=True), event="read",
        at=at, read_at=at, delivered_at=Coalesce(F("delivered_at"), Value(at)),
    )


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
    ids = Notification.objects.filter(case=case, read_at__isnull=True, status__in=_UNREAD).values_list("pk", flat=True)
    with transaction.atomic():
        return sum(_mark_read(pk, at) for pk in list(ids))


def notification_acknowledge(*, notification, at=None) -> bool:
    """The borrower pressed "I have received this". Idempotent; returns
    whether anything changed. Any phone call planned because this message
    went unacknowledged is no longer needed."""
    at = at or timezone.now()
    acknowledgeable = [s for s in NotificationStatus.values if s != NotificationStatus.CANCELLED]
    with transaction.atomic():
        changed = status.change(
            notification.pk, to=NotificationStatus.ACKNOWLEDGED, source=acknowledgeable,
            where=Q(acknowledged_at__isnull=True), event="acknowledged", at=at, acknowledged_at=at,
            read_at=Coalesce(F("read_at"), Value(at)), delivered_at=Coalesce(F("delivered_at"), Value(at)),
        )
        if changed:
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
    return changed


# --- Staff ---------------------------------------------------------------------


def _require_access(actor, case):
    if not user_can_access_case(actor, case):
        raise PermissionDenied(_("No such case."))


def notification_retry(*, notification, actor):
    """Send a failed or bounced notice again, to the case's current contact."""
    _require_access(actor, notification.case)
    if notification.status not in (NotificationStatus.FAILED, NotificationStatus.BOUNCED):
        raise ValidationError(_("Only a failed or bounced notice can be sent again."), code="not_failed")
    requeue(notification, event="retry", detail=actor.get_username())
    notification.refresh_from_db()
    return notification


def requeue(notification, *, event, detail="", at=None) -> bool:
    """Send a notice that did not reach the borrower again, to the case's
    current contact, as a fresh start (attempts, provider id, failover and a
    new idempotency key: the provider has the old one on record as done).
    ValidationError if that contact is missing or known not to work."""
    at = at or timezone.now()
    case = LoanCase.objects.get(pk=notification.case_id)
    recipient = services.recipient_for(case, notification.channel)
    if recipient is None:
        raise ValidationError(
            _("The borrower's %(channel)s is missing or marked as not working. Verify it with the borrower and "
              "correct the contact details first, then send the notice again."),
            code="unreachable",
            params={"channel": notification.get_channel_display()},
        )
    with transaction.atomic():
        changed = status.change(
            notification.pk, to=NotificationStatus.QUEUED, source=NOT_WORKING_STATUSES, event=event, at=at,
            detail=detail, recipient=recipient, next_attempt_at=at, attempts=0, failed_at=None, last_error="",
            provider_message_id=None, failed_over_at=None, uuid=uuid.uuid4(),
        )
        if changed:
            services.queue_after_commit([notification.pk])
    return changed


def notification_mark_handled(*, notification, actor, note=""):
    """Staff reached the borrower another way; open tasks about it are done."""
    _require_access(actor, notification.case)
    now = timezone.now()
    with transaction.atomic():
        changed = Notification.objects.filter(pk=notification.pk, handled_at__isnull=True).update(
            handled_at=now, handled_by=actor
        )
        if changed:
            status.note(notification.pk, event="handled", at=now, detail=note)
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
        if Notification.objects.filter(pk=notification.pk, handled_at__isnull=True).update(
            handled_at=now, handled_by=actor
        ):
            status.note(notification.pk, event="handled", at=now, detail=outcome)
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
    on_its_way = (NotificationStatus.QUEUED, NotificationStatus.SENDING, NotificationStatus.SENT)
    if reached:
        status.change(
            notification.pk, to=NotificationStatus.DELIVERED, source=on_its_way, event="delivered", at=now,
            detail=outcome, delivered_at=now, claimed_at=None,
        )
    elif status.change(
        notification.pk, to=NotificationStatus.FAILED, source=on_its_way, event="failed", at=now, detail=outcome,
        failed_at=now, claimed_at=None, last_error=outcome[:500],
    ):
        notification.refresh_from_db()
        outcomes.notice_failed(notification, unreachable=False, at=now)


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
    recipient = services.recipient_for(case, channel)
    # Notices still waiting to go (a retry, an outage) go to the new contact;
    # the newest of them is the latest news, nothing needs resending.
    waiting = list(Notification.objects.filter(case=case, channel=channel, status=NotificationStatus.QUEUED))
    for notice in waiting:
        Notification.objects.filter(pk=notice.pk, status=NotificationStatus.QUEUED).update(
            recipient=recipient, uuid=uuid.uuid4(), provider_message_id=None
        )
        status.note(notice.pk, event="retargeted_to_corrected_contact", at=at, detail=actor.get_username())
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
        if requeue(latest, event="resent_to_corrected_contact", detail=actor.get_username(), at=at):
            return latest
    if case.is_final:
        return None
    written = services.notices_for_event(case=case, key="progress_update", at=at, channels=[channel])
    return written[0] if written else None
