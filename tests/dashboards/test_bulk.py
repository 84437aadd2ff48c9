"""Bulk hold/resume: select from a filtered list, give a reason, confirm, see the counts."""

import pytest
from django.urls import reverse

from tests.base import make_case

pytestmark = pytest.mark.django_db


def test_it_lists_open_cases_to_pick_from(client, supervisor, branch_a, officer, outsider, branch_b):
    mine = make_case(branch_a, officer)
    theirs = make_case(branch_b, outsider)
    client.force_login(supervisor)
    page = client.get(reverse("cases:bulk"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'value="{mine.number}"' in page and theirs.number not in page


def test_it_asks_for_confirmation_and_a_reason_before_holding(client, supervisor, branch_a, officer):
    cases = [make_case(branch_a, officer) for _ in range(3)]
    client.force_login(supervisor)
    url = reverse("cases:bulk")
    data = {"action": "hold", "reason": "", "cases": [c.number for c in cases[:2]]}
    page = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Please give a reason" in page
    data["reason"] = "政策调整"
    page = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Put 2 cases on hold?" in page
    for case in cases:
        case.refresh_from_db()
        assert case.status == "submitted"
    response = client.post(url, {**data, "confirm": "yes"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "2 cases put on hold" in response.content.decode()
    states = [type(c).objects.get(pk=c.pk).status for c in cases]
    assert states == ["on_hold", "on_hold", "submitted"]


def test_it_refuses_cases_of_another_branch(client, supervisor, branch_b, outsider):
    theirs = make_case(branch_b, outsider)
    client.force_login(supervisor)
    page = client.post(
        reverse("cases:bulk"), {"action": "hold", "reason": "x", "cases": [theirs.number], "confirm": "yes"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "not one of the available choices" in page or "valid choice" in page
    theirs.refresh_from_db()
    assert theirs.status == "submitted"
