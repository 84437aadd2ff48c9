"""A scene for the ops tests: cases, notices, tasks, a tripped breaker and
background tasks, with the figures /metrics and the status page must show."""

import datetime
import uuid

from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task

from notifications import circuit, staff
from notifications.models import StaffTask
from tests.base import drive_to, make_case
from tests.dashboards.helpers import make_notice


def ago(**kwargs):
    return timezone.now() - datetime.timedelta(**kwargs)


def make_q_task(*, func, success, stopped):
    return Task.objects.create(
        id=uuid.uuid4().hex, name=uuid.uuid4().hex[:20], func=func, started=stopped, stopped=stopped, success=success
    )


def build_scene(branch, officer):
    """Returns what was built; tests assert on the figures below."""
    now = timezone.now()

    def ago(**kwargs):
        return now - datetime.timedelta(**kwargs)

    overdue = make_case(branch, officer)  # written on 2026-03-02: long past its deadline
    on_time = make_case(branch, officer, at=ago(hours=1))

    make_notice(on_time, status="queued", channel="sms", at=ago(minutes=10))
    make_notice(on_time, status="sending", channel="email", at=ago(minutes=5), claimed_at=ago(minutes=5))
    # Delivered in the last hour: 60 s and 110 minutes after being written.
    make_notice(on_time, status="delivered", channel="sms", at=ago(minutes=30), delivered_at=ago(minutes=29))
    make_notice(on_time, status="delivered", channel="email", at=ago(minutes=120), delivered_at=ago(minutes=10))
    make_notice(on_time, status="failed", channel="sms", at=ago(hours=1))
    make_notice(on_time, status="sent", channel="email", at=ago(hours=3), sent_at=ago(hours=3))
    # Three days old: outside "the last 24 hours" and the latency window.
    make_notice(overdue, status="delivered", channel="sms", at=ago(days=3))

    staff.task_create(case=overdue, kind=StaffTask.Kind.CALL_BORROWER)
    staff.task_create(case=overdue, kind=StaffTask.Kind.CALL_BORROWER)
    staff.task_create(case=on_time, kind=StaffTask.Kind.ESCALATION)
    done = staff.task_create(case=on_time, kind=StaffTask.Kind.VERIFY_CONTACT)
    staff.task_close(done, outcome="已核实", at=timezone.now())

    for _ in range(5):  # NOTIFICATIONS_CIRCUIT_FAILURES: the SMS breaker opens
        circuit.record_failure("sms")

    OrmQ.objects.create(key="loanflow", payload="x", lock=ago(seconds=1))
    make_q_task(func="notifications.tasks.sweep", success=False, stopped=ago(hours=1))
    make_q_task(func="notifications.tasks.sweep", success=False, stopped=ago(days=2))  # older than a day
    last_run = make_q_task(func="notifications.tasks.send_progress_updates", success=False, stopped=ago(minutes=30))
    make_q_task(func="notifications.tasks.sweep", success=True, stopped=ago(minutes=1))
    Schedule.objects.create(
        name="notifications: progress updates", func="notifications.tasks.send_progress_updates",
        schedule_type=Schedule.MINUTES, minutes=60, repeats=-1, next_run=ago(hours=2), task=last_run.id,
    )
    return {"overdue": overdue, "on_time": on_time}


def make_final_case(branch, officer, people):
    """Past its deadline but rejected: not overdue. Its transitions wrote
    notices of their own (still queued)."""
    return drive_to(make_case(branch, officer), "rejected", people)
