import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from notifications import links

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("borrower_link", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_it_prints_a_new_working_link_and_retires_the_old_one(case, settings):
    old_link, old_token = links.link_issue(case)
    url = run(case.number)[-1]
    assert url.startswith(settings.SITE_URL + "/s/")
    path = url[len(settings.SITE_URL):]
    assert Client().get(path).status_code == 302
    assert Client().get(f"/s/{old_token}/").status_code == 404


def test_it_revokes_without_issuing(case):
    link, token = links.link_issue(case)
    assert run(case.number, "--revoke") == [f"Revoked 1 link(s) of {case.number}."]
    assert Client().get(f"/s/{token}/").status_code == 404


def test_it_sends_the_link_by_sms(case):
    lines = run(case.number, "--sms")
    assert "138****5678" in lines[0]
    assert case.notifications.filter(key="status_link", channel="sms").count() == 1


def test_it_says_so_when_there_is_no_such_case(db):
    with pytest.raises(CommandError, match="No case numbered"):
        run("HL-2026-424242")


def test_it_lets_an_administrator_revoke_a_link(admin_client, case):
    link, token = links.link_issue(case)
    response = admin_client.post(
        "/admin/notifications/borrowerlink/", {"action": "revoke", "_selected_action": [link.pk]}
    )
    assert response.status_code == 302
    assert Client().get(f"/s/{token}/").status_code == 404


def test_it_picks_an_example_case_for_the_demo_and_keeps_its_link(case, settings):
    _link, token = links.link_issue(case)  # the link in the borrower's messages
    lines = run("--example")
    assert lines[0] == f"The status page of {case.number}, as its borrower sees it:"
    assert lines[-1] == settings.SITE_URL + f"/s/{token}/"
    assert Client().get(f"/s/{token}/").status_code == 302  # still works


def test_it_wants_a_case_number_or_example(db):
    with pytest.raises(CommandError, match="Give a case number, or --example"):
        run()
