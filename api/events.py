"""Events out: the bank's other systems hear what the borrower hears.

On every change of state and every notice outcome, one WebhookDelivery per
subscribed client whose branches include the case is written inside the
transaction of the change (the domain's signals run there): the event
commits with the change or not at all, and is then POSTed, signed, with
retries (api.webhooks)."""

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from api import webhooks
from api.models import ApiClient, WebhookDelivery
from cases import selectors as case_selectors
from cases.anonymise import rows_anonymise
from cases.signals import case_anonymised, transitions_recorded
from notifications.models import Notification, NotificationStatus
from notifications.signals import notice_status_changed

# Outcomes worth telling: the notice reached the borrower, was seen, or ended
# without reaching them (a person takes over).
NOTICE_OUTCOMES = {
    NotificationStatus.DELIVERED, NotificationStatus.READ, NotificationStatus.ACKNOWLEDGED,
    NotificationStatus.FAILED, NotificationStatus.BOUNCED,
}


def _subscribers():
    return list(
        ApiClient.objects.filter(revoked_at__isnull=True, user__is_active=True).exclude(webhook_url="")
        .select_related("user").prefetch_related("user__groups")
    )


def _for_case(clients, case):
    # The client's service account decides, as for every read: events go
    # exactly where the API would answer for the case.
    return [c for c in clients if case_selectors.user_can_access_case(c.user, case)]


def _write(rows):
    if not rows:
        return
    deliveries = WebhookDelivery.objects.bulk_create(rows)
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: webhooks.queue(ids))


@receiver(transitions_recorded)
def on_transitions(sender, records, **kwargs):
    clients = _subscribers()
    if not clients:
        return
    now = timezone.now()
    rows = []
    for record in records:
        case = record.case
        data = {
            "case": case.number,
            "external_ref": case.external_ref,
            "transition": record.transition,
            "from": record.source,
            "to": record.target,
            "at": timezone.localtime(record.created_at).isoformat(),
            "by": record.actor.get_username(),
            "reason": record.reason,
            "due_date": webhooks.due_date(record.due_at),
            "deadline_provisional": record.deadline_provisional,
        }
        for client in _for_case(clients, case):
            rows.append(WebhookDelivery(client=client, event="case.transition", payload=data, created_at=now,
                                        next_attempt_at=now))
    _write(rows)


@receiver(notice_status_changed)
def on_notice(sender, notification_id, status, event, at, **kwargs):
    if status not in NOTICE_OUTCOMES:
        return
    clients = _subscribers()
    if not clients:
        return
    notice = Notification.objects.select_related("case").only(
        "uuid", "key", "channel", "case__number", "case__external_ref", "case__branch_id"
    ).get(pk=notification_id)
    data = {
        "case": notice.case.number,
        "external_ref": notice.case.external_ref,
        "notice": str(notice.uuid),
        "news": notice.key,
        "channel": notice.channel,
        "status": status,
        "at": timezone.localtime(at).isoformat(),
    }
    now = timezone.now()
    _write([
        WebhookDelivery(client=client, event="notice.outcome", payload=data, created_at=now, next_attempt_at=now)
        for client in _for_case(clients, notice.case)
    ])


@receiver(case_anonymised)
def on_case_anonymised(sender, case, scrub, reasons, dry_run, **kwargs):
    """Retention: an event keeps the reason of a change of state as it was,
    which may quote the borrower. Only when one of the case's reasons did
    are its events read (the case number is inside the payload: a scan)."""
    if not reasons:
        return {"webhook_deliveries": 0}
    changed = rows_anonymise(
        WebhookDelivery.objects.filter(event="case.transition", payload__case=case.number),
        ["payload"],
        lambda delivery: {"payload": {**delivery.payload, "reason": scrub(delivery.payload["reason"])}
                          if delivery.payload.get("reason") in reasons else delivery.payload},
        dry_run=dry_run,
    )
    return {"webhook_deliveries": changed}
