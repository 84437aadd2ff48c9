"""Notification monitor: failed, stuck and unacknowledged notices; retry and mark handled; delivery rates."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from tests.base import make_case
from tests.dashboards.helpers import make_notice

pytestmark = pytest.mark.django_db


def monitor(client, problem="failed"):
    return client.get(reverse("cases:notices"), {"problem": problem}, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_it_lists_failed_notices_and_retries_one(client, officer, case):
    failed = make_notice(case, status="failed")
    delivered = make_notice(case, status="delivered", channel="email")
    client.force_login(officer)
    page = monitor(client)
    assert reverse("cases:notice_retry", args=[failed.pk]) in page
    assert reverse("cases:notice_retry", args=[delivered.pk]) not in page
    client.post(reverse("cases:notice_retry", args=[failed.pk]))
    failed.refresh_from_db()
    assert failed.status == "queued"
    assert reverse("cases:notice_retry", args=[failed.pk]) not in monitor(client)


def test_it_marks_a_notice_handled_with_a_note(client, officer, case):
    failed = make_notice(case, status="bounced", channel="email")
    client.force_login(officer)
    client.post(reverse("cases:notice_handled", args=[failed.pk]), {"note": "已电话通知"})
    failed.refresh_from_db()
    assert failed.handled_at is not None and failed.handled_by == officer
    assert failed.events.filter(kind="handled", detail="已电话通知").exists()
    assert reverse("cases:notice_handled", args=[failed.pk]) not in monitor(client)


def test_it_shows_stuck_and_unacknowledged_notices(client, officer, case):
    now = timezone.now()
    stuck = make_notice(case, status="queued", at=now - datetime.timedelta(hours=1))
    fresh = make_notice(case, status="queued", at=now)
    unacked = make_notice(case, status="delivered", channel="email", at=now - datetime.timedelta(days=4))
    acked = make_notice(case, status="acknowledged", channel="email", at=now - datetime.timedelta(days=4),
                        acknowledged_at=now - datetime.timedelta(days=3))
    client.force_login(officer)
    page = monitor(client, "stuck")
    assert f"note-{stuck.pk}" in page and f"note-{fresh.pk}" not in page
    page = monitor(client, "unacknowledged")
    assert f"note-{unacked.pk}" in page and f"note-{acked.pk}" not in page


def test_it_shows_the_delivery_rate_per_channel(client, officer, case):
    now = timezone.now()
    for status in ["delivered", "delivered", "acknowledged", "failed"]:
        make_notice(case, status=status, channel="sms", at=now - datetime.timedelta(days=1))
    make_notice(case, status="delivered", channel="status_page", at=now - datetime.timedelta(days=1))
    client.force_login(officer)
    page = monitor(client)
    rates = page[page.index("Delivery rate per channel"):]
    assert "75.0%" in rates
    assert "Status page" not in rates


def test_it_says_what_to_do_when_nothing_failed(client, officer):
    client.force_login(officer)
    assert "Nothing needs attention here." in monitor(client)


def test_monitor_queries_are_bounded(client, branch_a, officer, django_assert_max_num_queries):
    client.force_login(officer)
    case = make_case(branch_a, officer)
    make_notice(case)
    with django_assert_max_num_queries(14) as small:  # the nav asks for the user's permissions (2 queries)
        monitor(client)
    for _ in range(40):
        make_notice(make_case(branch_a, officer))
    with django_assert_max_num_queries(14) as large:
        monitor(client)
    assert len(small.captured_queries) == len(large.captured_queries)
    assert Notification.objects.count() == 41


def test_retry_to_a_number_marked_unreachable_says_what_to_do(client, officer, case):
    from cases.models import LoanCase

    notice = make_notice(case)
    LoanCase.objects.filter(pk=case.pk).update(phone_unreachable=True)
    client.force_login(officer)
    response = client.post(
        reverse("cases:notice_retry", args=[notice.pk]), HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert response.status_code == 200
    assert "correct the contact details first" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == "failed"
