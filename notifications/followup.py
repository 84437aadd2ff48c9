"""Follow-ups that stop the silence: a progress update for every borrower
who has had no news for a while (held cases included: a hold reminder that
says why and when we write next), a call when that update does not reach
them either, and calls for messages nobody acknowledged. Run by django-q2
schedules (see tasks.py); each run is idempotent, so running twice sends
nothing twice.

Silence is measured on notifications.news, what reached the borrower, never
on what was written or sent.
"""

import datetime

from django.db import transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import reachability, sla
from cases.models import LoanCase
from cases.states import FINAL_STATES, CaseState
from notifications import news, services, staff, status
from notifications.conf import conf
from notifications.models import (
    PENDING_STATUSES,
    SENT_CHANNELS,
    Channel,
    Notification,
    NotificationStatus,
    StaffTask,
)

FOLLOW_UP_KEYS = ("progress_update", "hold_reminder")
# Messages the borrower is asked to acknowledge: news about their case.
NO_ACK_KEYS = ("status_link",)
# Cases handled per transaction and per read: the ids are read first, so no
# database cursor stays open while notices are queued (the ORM broker's
# async_task may close the connection).
CHUNK = 200


def _in_waking_hours(now) -> bool:
    hour = now.astimezone(sla.local_tz()).hour
    return conf.QUIET_HOURS_END <= hour < conf.QUIET_HOURS_START


def silence_cutoff(now):
    """News before this moment leaves the borrower SILENCE_DAYS - 1 whole
    business days without news by today: the update goes out today."""
    return sla.business_days_back(now, conf.SILENCE_DAYS)


def silent_cases(now=None):
    """Open cases, held ones included, whose borrower has had no news since
    the cutoff (counting from the case's creation if never)."""
    now = now or timezone.now()
    cutoff = silence_cutoff(now)
    return (
        LoanCase.objects.exclude(status__in=FINAL_STATES)
        .filter(created_at__lt=cutoff)
        .annotate(last_news=Coalesce(news.last_news_at(), F("created_at"), output_field=DateTimeField()))
        .filter(last_news__lt=cutoff)
    )


def _followed_up_since(cutoff):
    return Exists(
        Notification.objects.filter(case=OuterRef("pk"), key__in=FOLLOW_UP_KEYS, created_at__gte=cutoff)
    )


def _news_on_its_way(now):
    """Real news written in the last SILENCE_CALL_AFTER_HOURS and still on its
    way: an update now would reach the borrower in the same minute and say
    less. If that news fails, failover and calls take over; if it is still
    not there after the wait, the update goes on the next run."""
    since = now - datetime.timedelta(hours=conf.SILENCE_CALL_AFTER_HOURS)
    return Exists(
        Notification.objects.filter(
            case=OuterRef("pk"), created_at__gt=since, channel__in=SENT_CHANNELS,
            status__in=PENDING_STATUSES + (NotificationStatus.SENT,),
        ).exclude(key__in=FOLLOW_UP_KEYS)
    )


def send_progress_updates(now=None, force=False) -> int:
    """Silence detection: a progress update (held: a hold reminder) for each
    silent borrower not yet written to since the cutoff. Returns the number
    of cases written to; nothing at night unless forced."""
    now = now or timezone.now()
    if not force and not _in_waking_hours(now):
        return 0
    cases = silent_cases(now).filter(~_followed_up_since(silence_cutoff(now))).filter(~_news_on_its_way(now))
    ids = list(cases.order_by("id").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        batch = list(LoanCase.objects.select_related("branch").filter(pk__in=ids[start:start + CHUNK]).order_by("id"))
        with transaction.atomic():
            updates = [case for case in batch if case.status != CaseState.ON_HOLD]
            held = [case for case in batch if case.status == CaseState.ON_HOLD]
            services.notices_for_events(cases=updates, key="progress_update", at=now)
            next_write = sla.add_business_days(sla.local_day(now), conf.SILENCE_DAYS)
            services.notices_for_events(
                cases=held, key="hold_reminder", at=now, extra=[{"next_update_date": next_write}] * len(held)
            )
    return len(ids)


def call_the_unreached(now=None) -> int:
    """A silent borrower whose progress update has not reached them after
    SILENCE_CALL_AFTER_HOURS gets a call from a person today, unless someone
    is already on it. Returns the number of calls asked for."""
    now = now or timezone.now()
    if not _in_waking_hours(now):
        return 0
    cutoff = silence_cutoff(now)
    waited = now - datetime.timedelta(hours=conf.SILENCE_CALL_AFTER_HOURS)
    update_waited = Exists(
        Notification.objects.filter(
            case=OuterRef("pk"), key__in=FOLLOW_UP_KEYS, created_at__gte=cutoff, created_at__lte=waited
        )
    )
    rows = list(silent_cases(now).filter(update_waited).order_by("id").values_list("pk", "last_news"))
    asked = 0
    for start in range(0, len(rows), CHUNK):
        chunk = dict(rows[start:start + CHUNK])
        for case in LoanCase.objects.filter(pk__in=chunk).order_by("id"):
            with transaction.atomic():
                task = staff.call_ask(
                    case=case,
                    detail=_("The borrower has had no news since %(date)s and our update did not reach them. "
                             "Call them today and tell them where their application stands.")
                    % {"date": timezone.localtime(chunk[case.pk]).strftime("%Y-%m-%d")},
                    at=now,
                )
                if task is not None:
                    reachability.needs_attention(case.pk)
                    asked += 1
    return asked


def unacknowledged(now=None):
    """Notices the borrower has had for ACK_ESCALATION_DAYS business days
    without seeing them: not acknowledged, not read (the status page shown
    with the news, an email opened), and no later message seen either."""
    now = now or timezone.now()
    cutoff = sla.business_days_back(now, conf.ACK_ESCALATION_DAYS)
    # Seeing this message on another channel, or any later message, shows the
    # borrower is following: a call to ask "did you get it?" would only annoy.
    seen_since = Notification.objects.filter(
        Q(acknowledged_at__isnull=False) | Q(read_at__isnull=False),
        case_id=OuterRef("case_id"), created_at__gte=OuterRef("created_at"),
    )
    return (
        Notification.objects.filter(
            created_at__lt=cutoff,
            acknowledged_at__isnull=True,
            read_at__isnull=True,
            escalated_at__isnull=True,
            handled_at__isnull=True,
            status__in=[NotificationStatus.SENT, NotificationStatus.DELIVERED],
            channel__in=[Channel.EMAIL, Channel.SMS, Channel.STATUS_PAGE],
        )
        .exclude(key__in=NO_ACK_KEYS)
        .exclude(case__status__in=[CaseState.WITHDRAWN])
        .filter(~Exists(seen_since))
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
            for n in notices:
                status.note(n.pk, event="escalated", at=now)
            staff.task_create(
                case=first.case,
                kind=StaffTask.Kind.CALL_BORROWER,
                notification=first,
                detail=_("The borrower has not acknowledged “%(subject)s” (sent %(date)s). Call them and make sure they know.")
                % {"subject": services.subject_of(first), "date": first.created_at.astimezone(sla.local_tz()).date()},
                at=now,
            )
    return len(groups)
