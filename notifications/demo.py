"""Demo data only: backdated notices get the outcomes a real bank's history
would show, as they are written (seed_demo writes its history with dispatch
suppressed, passing DemoOutcomes to dispatch_suppressed)."""

import datetime
import random

from django.utils.translation import gettext as _

from cases import reachability
from loanflow.bulk_insert import insert_many
from notifications import wording
from notifications.models import (
    Channel,
    DeliveryEvent,
    NotificationStatus,
    StaffTask,
)
from notifications.services import display_body


class DemoOutcomes:
    """Queued notices older than a day: most delivered (many read, many
    acknowledged), a few failed (SMS) or bounced (email), each failure with
    its staff task and its case marked as needing attention; phone notices
    made and recorded by the officer. The last day's notices stay queued for
    the worker."""

    def __init__(self, *, now, seed=20260302):
        self.cutoff = now - datetime.timedelta(days=1)
        self.rng = random.Random(seed)

    def before_insert(self, notices):
        """Give the old queued notices their outcome, in memory; return them."""
        rng = self.rng
        settled = []
        for n in notices:
            if n.status != NotificationStatus.QUEUED or n.created_at >= self.cutoff:
                continue
            settled.append(n)
            sent = n.created_at + datetime.timedelta(seconds=rng.randint(5, 90))
            n.attempts, n.sent_at, n.next_attempt_at = 1, sent, None
            roll = rng.random()
            if n.channel in (Channel.EMAIL, Channel.SMS) and roll < 0.04:
                n.status = NotificationStatus.BOUNCED if n.channel == Channel.EMAIL else NotificationStatus.FAILED
                n.failed_at = sent + datetime.timedelta(minutes=rng.randint(1, 30))
                n.last_error = "mailbox unavailable (550)" if n.channel == Channel.EMAIL else "handset unreachable"
            elif n.channel == Channel.PHONE:
                n.status = NotificationStatus.DELIVERED
                n.delivered_at = sent + datetime.timedelta(hours=rng.randint(1, 6))
            else:
                n.status = NotificationStatus.DELIVERED
                n.delivered_at = sent + datetime.timedelta(seconds=rng.randint(1, 60))
                if roll < 0.75:
                    n.status = NotificationStatus.READ
                    n.read_at = n.delivered_at + datetime.timedelta(hours=rng.randint(1, 20))
                if roll < 0.55:
                    n.status = NotificationStatus.ACKNOWLEDGED
                    n.acknowledged_at = n.read_at + datetime.timedelta(minutes=rng.randint(1, 30))
        return settled

    def after_insert(self, settled):
        """Write the delivery events and staff tasks of the settled notices,
        which now have ids, and mark the cases of failed ones."""
        events, tasks, attention = [], [], set()
        # As failover and the news log do live: a failure whose news (or later
        # news) reached the borrower some other way leaves nobody a call to make.
        news_at = {}
        for n in settled:
            if not n.failed_at:
                news_at[n.case_id] = max(news_at.get(n.case_id, n.created_at), n.created_at)
        for n in settled:
            if n.failed_at:
                events.append(DeliveryEvent(notification_id=n.pk, kind=n.status, detail=n.last_error, created_at=n.failed_at))
                if news_at.get(n.case_id, n.created_at - datetime.timedelta(seconds=1)) < n.created_at:
                    tasks.append(self._call_borrower_task(n))
                    attention.add(n.case_id)
                continue
            if n.channel == Channel.PHONE:
                reached = _("Borrower reached by phone.")
                events.append(DeliveryEvent(notification_id=n.pk, kind="delivered", detail=reached, created_at=n.delivered_at))
                tasks.append(self._phone_notice_task(n, reached))
                continue
            events.append(DeliveryEvent(notification_id=n.pk, kind="delivered", detail="attempt 1", created_at=n.delivered_at))
            if n.read_at:
                events.append(DeliveryEvent(notification_id=n.pk, kind="read", created_at=n.read_at))
            if n.acknowledged_at:
                events.append(DeliveryEvent(notification_id=n.pk, kind="acknowledged", created_at=n.acknowledged_at))
        insert_many(events)
        insert_many(tasks)
        reachability.needs_attention(*attention)

    def _call_borrower_task(self, n):
        return StaffTask(
            case=n.case,
            notification=n,
            kind=StaffTask.Kind.CALL_BORROWER,
            assigned_to_id=n.case.officer_id,
            detail=_("The %(channel)s notice could not be delivered: %(error)s. Call the borrower and tell them.")
            % {"channel": n.get_channel_display(), "error": wording.error_text(n.last_error)},
            due_at=n.failed_at + datetime.timedelta(days=1),
            created_at=n.failed_at,
        )

    def _phone_notice_task(self, n, outcome):
        return StaffTask(
            case=n.case,
            notification=n,
            kind=StaffTask.Kind.PHONE_NOTICE,
            assigned_to_id=n.case.officer_id,
            detail=display_body(n),
            status=StaffTask.Status.DONE,
            due_at=n.created_at + datetime.timedelta(days=1),
            created_at=n.created_at,
            completed_at=n.delivered_at,
            completed_by_id=n.case.officer_id,
            outcome=outcome,
        )
