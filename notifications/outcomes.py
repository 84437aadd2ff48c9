"""What follows when a notice ends without reaching the borrower, and what a
provider's report (email tracking webhook, SMS delivery receipt) does to a
notice. Statuses change through notifications.status; the news of a failed
notice goes out again through services.failover.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import reachability
from cases.identity import mask_contact
from notifications import news, services, staff, status
from notifications.models import Channel, DeliveryEvent, Notification, NotificationStatus, StaffTask

logger = logging.getLogger(__name__)


def notice_failed(notification, *, unreachable, at):
    """A notice ended without reaching the borrower, in the caller's
    transaction, after its status changed: a named person gets a task (check
    the contact, or call), and the same news goes out on the next channel at
    once. A phone call that did not reach the borrower is escalated to the
    branch supervisor the same business day."""
    case = notification.case
    if notification.channel == Channel.PHONE:
        reachability.needs_attention(case.pk)
        staff.escalate(
            case=case,
            notification=notification,
            at=at,
            detail=_("The officer could not reach the borrower by phone about “%(subject)s”: %(outcome)s. "
                     "Reach them today, or find a working contact.")
            % {"subject": services.subject_of(notification), "outcome": (notification.last_error or "-")[:200]},
        )
        return
    if unreachable:
        contact_failed(notification, at)
    elif notification.recipient == services.contact_of(case, notification.channel):
        reachability.needs_attention(case.pk)
        if not StaffTask.objects.filter(
            notification=notification, kind=StaffTask.Kind.CALL_BORROWER, status=StaffTask.Status.OPEN
        ).exists():
            staff.task_create(
                case=case,
                kind=StaffTask.Kind.CALL_BORROWER,
                notification=notification,
                detail=_("The %(channel)s notice could not be delivered: %(error)s. Call the borrower and tell them.")
                % {"channel": notification.get_channel_display(), "error": services.error_text(notification)},
                at=at,
            )
    services.failover(notification, at=at)


def contact_failed(notification, at):
    """The contact itself is wrong: flag it (later notices on the channel are
    written as suppressed, not sent) and ask the officer to verify it. Only
    if it is still the contact on file: a late report about a number staff
    have since corrected says nothing about the new one."""
    staff.lock_case(notification.case_id)
    contact = "email" if notification.channel == Channel.EMAIL else "phone"
    if not reachability.contact_unreachable(notification.case_id, contact, notification.recipient):
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
            "error": services.error_text(notification),
        },
        at=at,
    )


def delivered(notification, at):
    """An email or SMS reached the borrower: that is news for them."""
    if notification.channel in (Channel.EMAIL, Channel.SMS):
        news.news_record(case_id=notification.case_id, at=at, how=notification.channel, notification=notification)


# --- Provider events ------------------------------------------------------------------

# Provider events (email tracking webhooks, SMS delivery receipts): what each
# normalized event does to the notice.
_DELIVERED_EVENTS = {"delivered"}
_READ_EVENTS = {"opened", "clicked"}
_BOUNCE_EVENTS = {"bounced"}
_FAILED_EVENTS = {"rejected", "failed"}
# A hard bounce or refusal for these reasons means the address itself is wrong.
_UNREACHABLE_REASONS = {"invalid", "bounced", "invalid_number", "undeliverable", "unreachable_number"}
_ON_ITS_WAY = (NotificationStatus.SENDING, NotificationStatus.SENT)


def provider_event_record(*, message_id, event_id, kind, at=None, detail="", payload=None, reject_reason=None,
                          notification_uuid=None):
    """Record one provider event and apply it. Returns what happened:
    "applied", "recorded" (kept, no status change), "duplicate" or "unknown".

    Quick by design (webhook senders retry slow answers): a few indexed
    writes in one transaction, no network. The notice's row is locked, so
    two copies of one event arriving together are applied once."""
    at = at or timezone.now()
    with transaction.atomic():
        rows = Notification.objects.select_for_update().select_related("case")
        notification = rows.filter(provider_message_id=message_id).first() if message_id else None
        if notification is None and notification_uuid:
            notification = rows.filter(uuid=notification_uuid).first()
        if notification is None:
            logger.info("Provider event %s for unknown message %r ignored", kind, message_id)
            return "unknown"
        if DeliveryEvent.objects.filter(provider_event_id=event_id).exists():
            return "duplicate"
        event = {
            "event": f"provider:{kind}",
            "at": at,
            "detail": services.hide_recipient(detail or "", notification.recipient),
            "payload": payload,
            "provider_event_id": event_id,
        }
        try:
            with transaction.atomic():
                applied = _apply_provider_event(notification, kind, reject_reason, event)
                if not applied:
                    status.note(notification.pk, **event)
        except IntegrityError:  # the same event id recorded meanwhile
            return "duplicate"
        return "applied" if applied else "recorded"


def _apply_provider_event(notification, kind, reject_reason, event):
    at, was = event["at"], notification.status
    if kind in _DELIVERED_EVENTS:
        # From `sending` too: a claim held as uncertain (its worker died, or
        # could not write the outcome) is finished by the provider's report.
        if status.change(
            notification.pk, to=NotificationStatus.DELIVERED, source=_ON_ITS_WAY, delivered_at=at,
            sent_at=Coalesce(F("sent_at"), F("claimed_at"), Value(at)), claimed_at=None, uncertain_since=None,
            **event,
        ):
            delivered(notification, at)
            return True
        return False
    if kind in _READ_EVENTS:
        opened = status.change(
            notification.pk, to=NotificationStatus.READ, source=(NotificationStatus.SENT, NotificationStatus.DELIVERED),
            delivered_at=Coalesce(F("delivered_at"), Value(at)), read_at=at, **event,
        )
        if opened and was == NotificationStatus.SENT:  # opened before the delivery receipt came
            delivered(notification, at)
        return opened
    if kind not in _BOUNCE_EVENTS and kind not in _FAILED_EVENTS:
        return False
    unreachable = kind in _BOUNCE_EVENTS or (reject_reason or "") in _UNREACHABLE_REASONS
    error = f"{kind}: {reject_reason or ''}".strip(": ")
    new = NotificationStatus.BOUNCED if kind in _BOUNCE_EVENTS else NotificationStatus.FAILED
    if status.change(
        notification.pk, to=new, source=_ON_ITS_WAY + (NotificationStatus.DELIVERED,), failed_at=at,
        last_error=error, claimed_at=None, uncertain_since=None, **event,
    ):
        if was == NotificationStatus.DELIVERED:
            news.news_retract(notification=notification, at=at)  # it never reached them after all
        notification.refresh_from_db()
        notice_failed(notification, unreachable=unreachable, at=at)
        return True
    if unreachable and was in (NotificationStatus.READ, NotificationStatus.ACKNOWLEDGED):
        # A late bounce: the borrower saw this news on the status page, but
        # the address or number itself is wrong, and the next message would
        # go there. The status stays (they had the news); the contact is flagged.
        status.note(notification.pk, **event)
        Notification.objects.filter(Q(pk=notification.pk)).update(last_error=error)
        notification.last_error = error
        contact_failed(notification, at)
        return True
    return False
