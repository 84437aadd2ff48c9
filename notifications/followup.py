"""Follow-ups that stop the silence: progress updates for cases the borrower
has heard nothing about, reminders for held cases, and phone calls for
messages nobody acknowledged. Run by django-q2 schedules (see tasks.py);
each run is idempotent, so running twice sends nothing twice.
"""

from django.db import transaction
from django.db.models import DateTimeField, Exists, F, Max, OuterRef, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import sla
from cases.models import LoanCase
from cases.states import FINAL_STATES, CaseState
from notifications import services
from notifications.conf import conf
from notifications.models import (
    PENDING_STATUSES,
    SENT_CHANNELS,
    Channel,
    DeliveryEvent,
    Notification,
    NotificationStatus,
    StaffTask,
)

FOLLOW_UP_KEYS = ("progress_update", "hold_reminder")
# Messages the borrower is asked to acknowledge: news about their case.
NO_ACK_KEYS = ("status_link",)


def _in_waking_hours(now) -> bool:
    hour = now.astimezone(sla.local_tz()).hour
    return conf.QUIET_HOURS_END <= hour < conf.QUIET_HOURS_START


def _last_contact(key_filter=None):
    """When the case last reached the borrower, or last tried to: a notice by
    email/SMS/phone delivered, a notice still on its way, or a follow-up
    written. The case's creation counts as the first contact."""
    outbound = Q(notifications__channel__in=SENT_CHANNELS)
    floor = F("created_at")
    return Greatest(
        Coalesce(Max("notifications__delivered_at", filter=outbound), floor, output_field=DateTimeField()),
        Coalesce(
            Max("notifications__created_at", filter=outbound & Q(notifications__status__in=PENDING_STATUSES)),
            floor,
            output_field=DateTimeField(),
        ),
        Coalesce(
            Max("notifications__created_at", filter=Q(notifications__key__in=key_filter or FOLLOW_UP_KEYS)),
            floor,
            output_field=DateTimeField(),
        ),
        floor,
    )


def silent_cases(now=None):
    """Open, working cases whose borrower has heard nothing for SILENCE_DAYS business days."""
    now = now or timezone.now()
    cutoff = sla.business_days_back(now, conf.SILENCE_DAYS)
    return (
        LoanCase.objects.exclude(status__in=FINAL_STATES)
        .exclude(status=CaseState.ON_HOLD)
        .filter(created_at__lt=cutoff)
        .annotate(last_contact=_last_contact())
        .filter(last_contact__lt=cutoff)
        .select_related("branch")
    )


def held_cases_due_reminder(now=None):
    now = now or timezone.now()
    cutoff = sla.business_days_back(now, conf.HOLD_REMINDER_DAYS)
    return (
        LoanCase.objects.filter(status=CaseState.ON_HOLD, entered_state_at__lt=cutoff)
        .annotate(
            last_reminder=Coalesce(
                Max("notifications__created_at", filter=Q(notifications__key__in=["hold", "hold_reminder"])),
                F("entered_state_at"),
            )
        )
        .filter(last_reminder__lt=cutoff)
        .select_related("branch")
    )


def send_progress_updates(now=None, force=False) -> int:
    """Silence detection. Returns the number of cases given an update."""
    now = now or timezone.now()
    return _send_to_each(silent_cases(now), "progress_update", now, force)


def send_hold_reminders(now=None, force=False) -> int:
    now = now or timezone.now()
    return _send_to_each(held_cases_due_reminder(now), "hold_reminder", now, force)


def _send_to_each(cases, key, now, force):
    """Write notice `key` for each case, a transaction per case; nothing at
    night unless forced. Returns the number of cases."""
    if not force and not _in_waking_hours(now):
        return 0
    count = 0
    for case in cases.iterator(chunk_size=500):
        with transaction.atomic():
            services.notices_for_event(case=case, key=key, at=now)
        count += 1
    return count


def unacknowledged(now=None):
    """Notices the borrower has had for ACK_ESCALATION_DAYS business days
    without acknowledging them, nor anything sent to them since."""
    now = now or timezone.now()
    cutoff = sla.business_days_back(now, conf.ACK_ESCALATION_DAYS)
    # An acknowledgement of this message on another channel, or of any later
    # message, shows the borrower is following.
    acknowledged_since = Notification.objects.filter(
        case_id=OuterRef("case_id"), acknowledged_at__isnull=False, created_at__gte=OuterRef("created_at")
    )
    return (
        Notification.objects.filter(
            created_at__lt=cutoff,
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
            handled_at__isnull=True,
            status__in=[NotificationStatus.SENT, NotificationStatus.DELIVERED, NotificationStatus.READ],
            channel__in=[Channel.EMAIL, Channel.SMS, Channel.STATUS_PAGE],
        )
        .exclude(key__in=NO_ACK_KEYS)
        .exclude(case__status__in=[CaseState.WITHDRAWN])
        .filter(~Exists(acknowledged_since))
        .select_related("case")
        .order_by("case_id", "created_at")
    )


def escalate_unacknowledged(now=None) -> int:
    """One phone-call task per unacknowledged message (all its channels)."""
    now = now or timezone.now()
    groups = {}
    for notice in unacknowledged(now):
        groups.setdefault((notice.case_id, notice.key, notice.created_at), []).append(notice)
    preference = {Channel.SMS: 0, Channel.EMAIL: 1, Channel.STATUS_PAGE: 2}
    for notices in groups.values():
        notices.sort(key=lambda n: preference.get(n.channel, 9))
        first = notices[0]
        with transaction.atomic():
            changed = Notification.objects.filter(
                pk__in=[n.pk for n in notices], escalated_at__isnull=True
            ).update(escalated_at=now)
            if not changed:
                continue
            DeliveryEvent.objects.bulk_create(
                [DeliveryEvent(notification=n, kind="escalated", created_at=now) for n in notices]
            )
            services.task_create(
                case=first.case,
                kind=StaffTask.Kind.CALL_BORROWER,
                notification=first,
                detail=_("The borrower has not acknowledged “%(subject)s” (sent %(date)s). Call them and make sure they know.")
                % {"subject": first.subject or first.key, "date": first.created_at.astimezone(sla.local_tz()).date()},
                at=now,
            )
    return len(groups)
