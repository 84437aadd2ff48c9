"""A real django-q2 cluster killed with SIGKILL while it sends a few hundred
notices: after a restart every notice ends, none is lost, and no idempotency
key is accepted twice by the (recording) providers.

The recording backends write each call to calls.log and accept a key once
(accepted/<key>, created with O_EXCL), as a provider honouring idempotency
keys does; both survive the killed processes."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection

from cases import services
from notifications import dispatch
from notifications import services as notification_services
from notifications.models import (
    Channel,
    DeliveryEvent,
    Notification,
    NotificationStatus,
)
from tests.base import MONDAY, make_case, requires_postgres

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

CASES = 60  # x (email + SMS) = 120 notices through the cluster
FINAL = {NotificationStatus.DELIVERED, NotificationStatus.FAILED, NotificationStatus.BOUNCED}


def start_cluster(record_dir, broker=None, **extra):
    """A qcluster on this test's database, its providers recording in
    `record_dir`; the ORM broker unless `broker` (a Redis URL)."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "loanflow.settings"),
        "LOANFLOW_ALLOW_DEV_KEY": "1",
        "EMAIL_BACKEND": "notifications.channels.recording.FileRecordingEmailBackend",
        "NOTIFICATIONS_SMS_BACKEND": "notifications.channels.sms.FileSmsBackend",
        "NOTIFICATIONS_RECORD_DIR": str(record_dir),
        "NOTIFICATIONS_RECORD_DELAY": "0.01",  # a provider round trip, so the kill lands mid-way
        "Q_WORKERS": "4",
        **extra,
    }
    env.pop("Q_BROKER_URL", None)
    if broker:
        env["Q_BROKER_URL"] = broker
    manage = os.path.join(settings.BASE_DIR, "manage.py")
    # Its own process group: the cluster's workers die with it.
    return subprocess.Popen(
        [sys.executable, manage, "qcluster"], env=env, cwd=settings.BASE_DIR, start_new_session=True,
        stdout=open(record_dir / "cluster.log", "ab"), stderr=subprocess.STDOUT,
    )


def calls(record_dir):
    path = record_dir / "calls.log"
    if not path.exists():
        return []
    return [line.split()[-1] for line in path.read_text().splitlines() if line.strip()]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process, sig):
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=60)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def test_a_killed_cluster_loses_nothing_and_sends_nothing_twice(branch_a, officer, tmp_path, settings):
    with notification_services.dispatch_suppressed():
        for _ in range(CASES):
            services.case_transition(name="sign", case=make_case(branch_a, officer), actor=officer, at=MONDAY)
    outbound = Notification.objects.exclude(channel=Channel.STATUS_PAGE)
    ids = list(outbound.values_list("pk", flat=True))
    assert len(ids) == 2 * CASES
    notification_services.queue(ids)  # into django-q2's ORM broker, as the on_commit hook does

    started = time.monotonic()
    cluster = start_cluster(tmp_path)
    try:
        wait_for(lambda: len(calls(tmp_path)) >= 24, 120, "the cluster to start sending")  # a fifth
        stop(cluster, signal.SIGKILL)
    finally:
        if cluster.poll() is None:
            stop(cluster, signal.SIGKILL)
    connection.close()

    sent_before_restart = len(calls(tmp_path))
    in_flight = outbound.filter(status=NotificationStatus.SENDING).count()
    print(f"\nkilled at {time.monotonic() - started:.1f}s, {sent_before_restart} sent, {in_flight} claims in flight")
    assert sent_before_restart < len(ids), "the kill came too late to test anything"

    # No worker lives now, so every `sending` claim is a dead one: the
    # sweeper, with the claim timeout shortened, gives them back at once,
    # since both providers drop a repeat by key (the sweeper runs here, with
    # the cluster's backends).
    settings.EMAIL_BACKEND = "notifications.channels.recording.FileRecordingEmailBackend"
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.FileSmsBackend"
    settings.NOTIFICATIONS_CLAIM_TIMEOUT = 1
    time.sleep(1.1)
    assert dispatch.sweep()["stale_claims"] == in_flight
    cluster = start_cluster(tmp_path)
    try:
        def all_final():
            connection.close()
            return not outbound.exclude(status__in=FINAL).exists()

        # The scheduled sweeper, once a minute (here every 20 s): it queues
        # what the dead cluster had taken from the broker.
        for _ in range(12):
            dispatch.sweep(grace=0)
            try:
                wait_for(all_final, 20, "every notice to reach a final state")
                break
            except AssertionError:
                continue
        assert all_final(), (tmp_path / "cluster.log").read_text()[-3000:]
        print(f"all final at {time.monotonic() - started:.1f}s")
    finally:
        stop(cluster, signal.SIGKILL)

    statuses = Counter(outbound.values_list("status", flat=True))
    assert statuses == {NotificationStatus.DELIVERED: len(ids)}, statuses
    accepted = os.listdir(tmp_path / "accepted")
    keys = {str(u) for u in outbound.values_list("uuid", flat=True)}
    assert sorted(accepted) == sorted(keys)  # every notice accepted exactly once
    repeats = [key for key, n in Counter(calls(tmp_path)).items() if n > 1]
    # A repeat can only be a notice whose worker died mid-send, re-sent under
    # the same key (the provider dropped it): never more than were in flight.
    assert len(repeats) <= in_flight
    # Every success is on record; the dead attempts are too.
    assert DeliveryEvent.objects.filter(notification__in=outbound, kind="delivered").count() == len(ids)
    assert DeliveryEvent.objects.filter(notification__in=outbound, kind="claim_expired").count() == in_flight
    print(
        f"\nkilled after {sent_before_restart} sends with {in_flight} in flight; "
        f"{len(repeats)} repeated call(s) deduplicated by key; all {len(ids)} delivered once"
    )


def test_two_calls_not_reached_at_once_make_one_escalation(branch_a, officer, officer2, supervisor, monkeypatch):
    """Two officers close their calls as not reached at the same moment: the
    supervisor gets one escalation, not two (the check runs under the case's
    row lock). The lookup of the supervisor is slowed to widen the window."""
    import threading

    from notifications import staff
    from notifications.actions import task_complete
    from notifications.models import StaffTask

    case = make_case(branch_a, officer)
    first = staff.task_create(case=case, kind=StaffTask.Kind.CALL_BORROWER, detail="a")
    second = staff.task_create(case=case, kind=StaffTask.Kind.CALL_BORROWER, detail="b")
    real = staff.supervisor_for

    def slow(case):
        person = real(case)
        time.sleep(0.5)
        return person

    monkeypatch.setattr(staff, "supervisor_for", slow)

    def close(task, actor):
        try:
            task_complete(task=task, actor=actor, outcome="无人接听", reached=False)
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=pair) for pair in ((first, officer), (second, officer2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert StaffTask.objects.filter(case=case, kind=StaffTask.Kind.ESCALATION, status="open").count() == 1
