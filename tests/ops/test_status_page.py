"""/ops/status/: head office sees the queues, failures, breakers and the
calendar; nobody else does, and nobody sees a borrower there."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import override

from cases.models import BusinessYear
from notifications.models import Channel
from notifications.models import NotificationStatus as Status
from tests.base import make_user
from tests.ops.helpers import build_scene

pytestmark = pytest.mark.django_db

URL = "/ops/status/"


def get_as(client, user, **extra):
    client.force_login(user)
    return client.get(URL, **extra)


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["officer", "supervisor", "outsider"])
def test_it_is_forbidden_to_branch_staff(client, people, role):
    assert get_as(client, people[role]).status_code == 403


def test_it_shows_head_office_the_state_of_the_service(client, branch_a, officer, head_office):
    scene = build_scene(branch_a, officer)
    with override("en"):
        response = get_as(client, head_office, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    ctx = response.context
    assert ctx["task_queue"] == {"broker": "orm", "waiting": 1, "in_flight": 0}
    assert ctx["failed_task_count"] == 2
    assert [(row["func"], row["count"]) for row in ctx["failed_tasks"]] == [
        ("notifications.tasks.send_progress_updates", 1),
        ("notifications.tasks.sweep", 1),
    ]
    [schedule] = ctx["schedules"]
    assert schedule["late"] and schedule["last_failed"]
    assert ctx["backlog_total"] == 2
    assert ctx["stale_claims"] == 1  # the email claimed 5 minutes ago: a dead worker's
    # Oldest first: the email sent 3 hours ago without a receipt.
    assert [(str(row["status"]), str(row["channel"])) for row in ctx["undelivered"]] == [
        (str(Status.SENT.label), str(Channel.EMAIL.label)),
        (str(Status.QUEUED.label), str(Channel.SMS.label)),
        (str(Status.SENDING.label), str(Channel.EMAIL.label)),
    ]
    states = {row["circuit"].channel: row["circuit"].state for row in ctx["circuits"]}
    assert states == {"email": "closed", "sms": "open"}
    assert ctx["overdue"] == 1
    assert ctx["tasks_total"] == 3

    page = response.content.decode()
    assert "System status" in page
    assert "notifications.tasks.send_progress_updates" in page
    assert "late: is a worker running?" in page
    assert "Open (notices wait)" in page
    # Counts only: no case number, name, phone, email or ID number.
    case = scene["overdue"]
    for text in (case.number, case.borrower_name, "13812345678", "138****5678", "zhangsan", case.borrower_id_number):
        assert text not in page


def test_it_is_open_to_superusers(client, branch_a):
    admin = make_user("root", None, None)
    admin.is_superuser = True
    admin.save()
    assert get_as(client, admin).status_code == 200


def test_it_says_which_calendar_years_are_entered(client, head_office):
    today = timezone.localdate()
    BusinessYear.objects.filter(year=today.year + 1).delete()
    with override("en"):
        response = get_as(client, head_office, HTTP_ACCEPT_LANGUAGE="en")
    years = {row["year"]: row for row in response.context["calendar"]["years"]}
    assert set(years) == {today.year, today.year + 1}
    assert not years[today.year + 1]["stored"] and not years[today.year + 1]["announced"]
    page = response.content.decode()
    assert "not entered: estimated" in page
    if today >= datetime.date(today.year, 11, 1):  # head office is asked to enter it from 1 November
        assert response.context["calendar"]["unannounced"] == today.year + 1
        assert f"Enter the State Council's {today.year + 1} holiday schedule" in page


def test_it_reads_a_bounded_number_of_queries(client, branch_a, officer, head_office, django_assert_max_num_queries):
    build_scene(branch_a, officer)
    client.force_login(head_office)
    client.get(URL)
    with django_assert_max_num_queries(25):
        assert client.get(URL).status_code == 200


def test_it_works_with_no_data_at_all(client, head_office):
    call_command("setup_schedules", stdout=open("/dev/null", "w"))
    response = get_as(client, head_office)
    assert response.status_code == 200
    assert response.context["backlog_total"] == 0
