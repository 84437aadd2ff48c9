"""My work: my open cases with overdue and due-today first; my tasks with an outcome form."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from cases import services
from notifications.models import StaffTask
from tests.base import MONDAY, make_case
from tests.dashboards.helpers import make_task

pytestmark = pytest.mark.django_db


def test_it_lists_my_open_cases_overdue_first_then_due_today(client, branch_a, officer, officer2, supervisor):
    # Submitted cases have five business days; "now" is Friday 20 March 15:00.
    later = make_case(branch_a, officer, at=MONDAY + datetime.timedelta(days=14))  # due Mon 23 Mar
    overdue = make_case(branch_a, officer, at=MONDAY)  # due Mon 9 Mar
    today = make_case(branch_a, officer, at=MONDAY + datetime.timedelta(days=11))  # due Fri 20 Mar
    held = make_case(branch_a, officer, at=MONDAY)
    services.case_transition(name="hold", case=held, actor=supervisor, reason="政策调整", at=MONDAY)
    someone_elses = make_case(branch_a, officer2, at=MONDAY)
    closed = make_case(branch_a, officer, at=MONDAY)
    services.case_transition(name="withdraw", case=closed, actor=officer, reason="借款人撤回", at=MONDAY)

    client.force_login(officer)
    with time_machine.travel(datetime.datetime(2026, 3, 20, 15, 0, tzinfo=MONDAY.tzinfo), tick=False):
        page = client.get(reverse("cases:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    positions = [page.index(c.number) for c in (overdue, today, later, held)]
    assert positions == sorted(positions)
    assert someone_elses.number not in page and closed.number not in page
    assert "Due today" in page
    assert "9 business days overdue" in page  # Tue 10 to Fri 20 March
    assert '<strong>1</strong> overdue' in page


def test_it_shows_chinese_by_default(client, officer, case):
    client.force_login(officer)
    page = client.get(reverse("cases:home")).content.decode()
    assert "我的工作" in page and "已受理" in page


def test_it_records_a_task_outcome_and_closes_the_task(client, officer, case):
    task = make_task(case)
    client.force_login(officer)
    page = client.get(reverse("cases:home")).content.decode()
    assert f"outcome-{task.pk}" in page
    response = client.post(reverse("cases:task_complete", args=[task.pk]), {"outcome": "已电话告知借款人", "reached": "yes"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == StaffTask.Status.DONE
    assert task.outcome == "已电话告知借款人"
    assert task.completed_by == officer
    assert f"outcome-{task.pk}" not in client.get(reverse("cases:home")).content.decode()


def test_it_refuses_an_empty_outcome_and_keeps_the_task_open(client, officer, case):
    task = make_task(case)
    client.force_login(officer)
    response = client.post(reverse("cases:task_complete", args=[task.pk]), {"outcome": "  "}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "Write down what happened" in response.content.decode()
    task.refresh_from_db()
    assert task.status == StaffTask.Status.OPEN


def test_it_says_what_to_do_when_there_is_no_work(client, officer):
    client.force_login(officer)
    page = client.get(reverse("cases:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You have no open cases" in page
    assert "No open tasks" in page


def test_my_work_costs_the_same_queries_for_3_or_30_cases(client, branch_a, officer, django_assert_max_num_queries):
    client.force_login(officer)

    def fill(n):
        for _ in range(n):
            case = make_case(branch_a, officer, at=MONDAY)
            make_task(case)

    fill(3)
    with django_assert_max_num_queries(13):  # the nav asks for the user's permissions once
        assert client.get(reverse("cases:home")).status_code == 200
    fill(27)
    with django_assert_max_num_queries(13):  # the nav asks for the user's permissions once
        assert client.get(reverse("cases:home")).status_code == 200


def test_it_stops_showing_the_old_branch_after_an_officer_moves(client, branch_a, branch_b, officer, case):
    make_task(case)
    officer.branch = branch_b
    officer.save()
    client.force_login(officer)
    page = client.get(reverse("cases:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert case.number not in page
    assert case.borrower_name not in page


def test_one_case_is_one_task_card_however_many_tasks_it_has(client, branch_a, officer, case):
    first = make_task(case)
    second = make_task(case, kind=StaffTask.Kind.VERIFY_CONTACT)
    client.force_login(officer)
    page = client.get(reverse("cases:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    tasks = page[page.index('id="tasks"'):]
    assert tasks.count('<article class="card task">') == 1
    assert f"outcome-{first.pk}" in tasks and f"outcome-{second.pk}" in tasks
    assert "<strong>2</strong> open tasks" in page


def test_tasks_come_a_page_of_cases_at_a_time(client, branch_a, officer):
    cases = [make_case(branch_a, officer, at=MONDAY + datetime.timedelta(hours=n)) for n in range(12)]
    for n, case in enumerate(cases):
        make_task(case, at=MONDAY + datetime.timedelta(hours=n))
    client.force_login(officer)
    first = client.get(reverse("cases:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert first.count('<article class="card task">') == 10
    assert "Page 1" in first and "?tasks=2#tasks" in first
    second = client.get(reverse("cases:home"), {"tasks": 2}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert second.count('<article class="card task">') == 2
    assert "<strong>12</strong> open tasks" in second
    # The most urgent task (the oldest due) comes first.
    assert first.index(cases[0].number, first.index('id="tasks"')) < first.index(cases[1].number, first.index('id="tasks"'))


def test_reached_is_asked_not_assumed(client, officer, case):
    task = make_task(case)
    client.force_login(officer)
    page = client.get(reverse("cases:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    radios = re.findall(r'<input type="radio" name="reached"[^>]*>', page)
    assert len(radios) == 2 and not any("checked" in radio for radio in radios)
    response = client.post(
        reverse("cases:task_complete", args=[task.pk]), {"outcome": "已电话告知"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Say whether you reached the borrower." in response.content.decode()
    task.refresh_from_db()
    assert task.status == StaffTask.Status.OPEN
