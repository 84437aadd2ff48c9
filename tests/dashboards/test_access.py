"""Who may open what: anonymous users log in first, officers do not see
supervisor pages, nobody sees another branch's case, task, notice or export."""

import pytest
from django.urls import reverse

from cases.models import CaseAccessLog
from notifications.models import StaffTask
from tests.base import make_case
from tests.dashboards.helpers import make_notice, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_case(branch_b, outsider):
    return make_case(branch_b, outsider)


def all_urls(case, task, notice):
    return [
        ("get", reverse("cases:home")),
        ("get", reverse("cases:detail", args=[case.number])),
        ("post", reverse("cases:transition", args=[case.number])),
        ("post", reverse("cases:unmask", args=[case.number])),
        ("post", reverse("cases:resend_link", args=[case.number])),
        ("post", reverse("cases:task_complete", args=[task.pk])),
        ("get", reverse("cases:overdue")),
        ("get", reverse("cases:overdue_export", args=["csv"])),
        ("get", reverse("cases:notices")),
        ("post", reverse("cases:notice_retry", args=[notice.pk])),
        ("post", reverse("cases:notice_handled", args=[notice.pk])),
        ("get", reverse("cases:report")),
        ("get", reverse("cases:report_export", args=["kpi", "xlsx"])),
        ("get", reverse("cases:bulk")),
    ]


def test_it_sends_anonymous_users_to_the_login_page_from_every_page(client, case):
    task, notice = make_task(case), make_notice(case)
    for method, url in all_urls(case, task, notice):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert not CaseAccessLog.objects.exists()


@pytest.mark.parametrize(
    "url",
    [reverse("cases:report"), reverse("cases:report_export", args=["kpi", "csv"]), reverse("cases:bulk")],
)
def test_it_refuses_supervisor_pages_to_officers(client, officer, url):
    client.force_login(officer)
    assert client.get(url).status_code == 403


def test_it_hides_supervisor_pages_from_the_officers_navigation(client, officer, supervisor):
    client.force_login(officer)
    page = client.get(reverse("cases:home")).content.decode()
    assert reverse("cases:report") not in page
    client.force_login(supervisor)
    page = client.get(reverse("cases:home")).content.decode()
    assert reverse("cases:report") in page and reverse("cases:bulk") in page


def test_it_gives_404_for_another_branchs_case_task_notice_and_export(client, officer, b_case, branch_b):
    task, notice = make_task(b_case), make_notice(b_case)
    client.force_login(officer)
    urls = [
        ("get", reverse("cases:detail", args=[b_case.number]), {}),
        ("post", reverse("cases:transition", args=[b_case.number]), {"name": "sign", "seen_status": "submitted"}),
        ("post", reverse("cases:unmask", args=[b_case.number]), {}),
        ("post", reverse("cases:resend_link", args=[b_case.number]), {}),
        ("post", reverse("cases:task_complete", args=[task.pk]), {"outcome": "x"}),
        ("post", reverse("cases:notice_retry", args=[notice.pk]), {}),
        ("post", reverse("cases:notice_handled", args=[notice.pk]), {}),
        ("get", reverse("cases:overdue_export", args=["xlsx"]) + f"?branch={branch_b.pk}", {}),
        ("get", reverse("cases:overdue") + f"?branch={branch_b.pk}", {}),
    ]
    for method, url, data in urls:
        assert getattr(client, method)(url, data).status_code == 404, url
    b_case.refresh_from_db()
    task.refresh_from_db()
    notice.refresh_from_db()
    assert b_case.status == "submitted"
    assert task.status == StaffTask.Status.OPEN
    assert notice.status == "failed" and notice.handled_at is None


def test_it_gives_404_for_another_branchs_report_export_to_a_supervisor(client, supervisor, branch_b):
    client.force_login(supervisor)
    url = reverse("cases:report_export", args=["overdue_officer", "csv"]) + f"?branch={branch_b.pk}"
    assert client.get(url).status_code == 404


def test_it_keeps_other_branches_out_of_lists(client, officer, case, b_case):
    make_notice(b_case)
    client.force_login(officer)
    for name in ["cases:overdue", "cases:notices"]:
        page = client.get(reverse(name)).content.decode()
        assert b_case.number not in page, name
    page = client.get(reverse("cases:overdue")).content.decode()
    assert case.number in page


def test_it_lets_head_office_see_every_branch(client, head_office, case, b_case):
    client.force_login(head_office)
    page = client.get(reverse("cases:overdue")).content.decode()
    assert case.number in page and b_case.number in page
    assert client.get(reverse("cases:detail", args=[b_case.number])).status_code == 200


def test_it_shows_a_friendly_page_when_logins_are_locked_out(client, officer, settings):
    settings.AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(url, {"username": "officer", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.post(url, {"username": "officer", "password": "wrong"})
    assert response.status_code == 429
    text = response.content.decode()
    assert "15" in text  # minutes of cool-off
    # The right password does not help while locked out.
    response = client.post(url, {"username": "officer", "password": "correct-horse-battery-9"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_logs_in_and_out(client, officer):
    from tests.base import PASSWORD

    response = client.post(reverse("login"), {"username": "officer", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("cases:home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("cases:home")).status_code == 302


def test_it_says_why_a_login_failed(client, officer):
    response = client.post(reverse("login"), {"username": "officer", "password": "nope"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


def test_a_next_that_is_not_a_path_on_this_site_goes_home(client, officer, case):
    task = make_task(case)
    client.force_login(officer)
    for target in ("foo", "//evil.example/", "https://evil.example/"):
        response = client.post(
            reverse("cases:task_complete", args=[task.pk]), {"outcome": "已告知", "reached": "yes", "next": target}
        )
        assert response.status_code == 302 and response["Location"] == reverse("cases:home")
