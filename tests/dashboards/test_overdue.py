"""The overdue list: scope, business days, filters, sorting, pagination without counting."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from cases import services
from tests.base import MONDAY, make_case
from tests.dashboards.helpers import make_notice

pytestmark = pytest.mark.django_db

# Friday 20 March 2026, 15:00 Beijing.
NOW = datetime.datetime(2026, 3, 20, 15, 0, tzinfo=MONDAY.tzinfo)


def get(client, **params):
    with time_machine.travel(NOW, tick=False):
        return client.get(reverse("cases:overdue"), params, HTTP_ACCEPT_LANGUAGE="en")


def test_it_lists_overdue_cases_with_business_days_stage_officer_and_last_notice(client, branch_a, officer):
    late = make_case(branch_a, officer, at=MONDAY)  # due Mon 9 March: 9 business days overdue
    make_notice(late, status="failed", at=MONDAY + datetime.timedelta(hours=1))
    not_yet = make_case(branch_a, officer, at=MONDAY + datetime.timedelta(days=14))
    client.force_login(officer)
    page = get(client).content.decode()
    assert late.number in page and not_yet.number not in page
    row = page[page.index(late.number):]
    row = row[: row.index("</tr>")]
    assert ">9<" in row
    assert "2026-03-09" in row  # due by the end of Monday 9 March, not "the 10th"
    assert "Submitted" in row and "officer" in row and "Branch A" in row
    assert "SMS" in row and "Failed" in row


def test_it_leaves_out_held_and_closed_cases(client, branch_a, officer, supervisor):
    held = make_case(branch_a, officer, at=MONDAY)
    services.case_transition(name="hold", case=held, actor=supervisor, reason="政策", at=MONDAY)
    closed = make_case(branch_a, officer, at=MONDAY)
    services.case_transition(name="withdraw", case=closed, actor=officer, reason="撤回", at=MONDAY)
    client.force_login(officer)
    page = get(client).content.decode()
    assert held.number not in page and closed.number not in page
    assert "No overdue cases here" in page


def test_it_filters_by_days_overdue_officer_stage_and_undelivered_notice(client, branch_a, officer, officer2):
    old = make_case(branch_a, officer, at=MONDAY)  # 9 business days overdue
    recent = make_case(branch_a, officer2, at=MONDAY + datetime.timedelta(days=7))  # due Mon 16: 4 days
    make_notice(recent, status="queued")
    client.force_login(officer)

    page = get(client, min_days=5).content.decode()
    assert old.number in page and recent.number not in page
    page = get(client, min_days=4).content.decode()
    assert old.number in page and recent.number in page
    page = get(client, officer=officer2.pk).content.decode()
    assert old.number not in page and recent.number in page
    page = get(client, undelivered="true").content.decode()
    assert old.number not in page and recent.number in page
    page = get(client, undelivered="false").content.decode()
    assert old.number in page and recent.number not in page
    page = get(client, status="signed").content.decode()
    assert old.number not in page and recent.number not in page


def test_it_explains_bad_filter_values(client, officer):
    client.force_login(officer)
    page = get(client, min_days="abc").content.decode()
    assert "Enter a whole number" in page
    # A fraction is refused the same way, not truncated or a 500.
    response = get(client, min_days="2.5")
    assert response.status_code == 200 and "Enter a whole number" in response.content.decode()


def test_it_sorts_by_days_overdue_both_ways(client, branch_a, officer):
    older = make_case(branch_a, officer, at=MONDAY)
    newer = make_case(branch_a, officer, at=MONDAY + datetime.timedelta(days=7))
    client.force_login(officer)
    page = get(client).content.decode()
    assert page.index(older.number) < page.index(newer.number)  # most overdue first
    assert re.search(r'<th class="desc num orderable">', page)  # and the arrow says so (▼)
    page = get(client, sort="days_overdue").content.decode()
    assert page.index(newer.number) < page.index(older.number)
    assert re.search(r'<th class="asc num orderable">', page)


def test_it_pages_without_counting_and_with_bounded_queries(client, branch_a, officer, django_assert_max_num_queries):
    client.force_login(officer)
    for _ in range(3):
        make_case(branch_a, officer, at=MONDAY)
    with django_assert_max_num_queries(11) as small:  # the nav asks for the user's permissions once
        get(client)
    for _ in range(60):
        make_case(branch_a, officer, at=MONDAY)
    with django_assert_max_num_queries(11) as large:
        page = get(client).content.decode()
    assert len(small.captured_queries) == len(large.captured_queries)
    assert not any("COUNT(" in q["sql"].upper() for q in large.captured_queries)
    assert "Next" in page
    page2 = get(client, page=3).content.decode()
    assert "Previous" in page2 and "Next" not in page2


def test_the_officer_filter_lists_officers_by_name(client, branch_a, officer, supervisor, head_office):
    officer.first_name, officer.last_name = "芳", "王"
    officer.save()
    client.force_login(supervisor)
    page = get(client).content.decode()
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', page[page.index('name="officer"'):])
    assert (str(officer.pk), "王芳") in options  # the name the tables show, not the login
    assert str(supervisor.pk) not in [value for value, _label in options]  # a supervisor holds no cases
    client.force_login(head_office)
    page = get(client).content.decode()
    assert "王芳 · Branch A" in page  # head office sees every branch's 王芳: the branch tells them apart
