"""The access log (PIPL): supervisors read who saw or looked up their
branch's borrowers' personal data; head office every branch's; nobody else."""

import pytest
from django.urls import reverse

from cases import services
from tests.base import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def accesses(branch_a, branch_b, officer, supervisor, outsider, outside_supervisor):
    mine = make_case(branch_a, officer)
    theirs = make_case(branch_b, outsider)
    services.case_unmask(case=mine, actor=supervisor)
    services.case_search_log(actor=officer, cases=[mine], kind="last4")
    services.case_unmask(case=theirs, actor=outside_supervisor)
    return mine, theirs


def page(client, **params):
    return client.get(reverse("cases:access_log"), params, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_a_supervisor_reads_who_saw_their_branchs_personal_data(client, supervisor, accesses):
    mine, theirs = accesses
    client.force_login(supervisor)
    html = page(client).content.decode()
    assert mine.number in html and theirs.number not in html
    assert "显示了完整身份证号和联系方式" in html and "按手机号或身份证号后 4 位找到" in html


def test_head_office_reads_every_branch_and_can_ask_about_one_case(client, head_office, accesses):
    mine, theirs = accesses
    client.force_login(head_office)
    html = page(client).content.decode()
    assert mine.number in html and theirs.number in html
    html = page(client, case=theirs.number.lower()).content.decode()
    assert mine.number not in html and theirs.number in html


def test_the_log_exports_for_the_audit(client, supervisor, accesses):
    client.force_login(supervisor)
    response = client.get(reverse("cases:access_log_export", args=["csv"]), HTTP_ACCEPT_LANGUAGE="en")
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0] == "at,staff member,login,case,branch,what"
    assert len(lines) == 3  # the unmasking and the search, both in branch A
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]


def test_officers_cannot_read_it(client, officer):
    client.force_login(officer)
    assert page(client).status_code == 403
    assert client.get(reverse("cases:access_log_export", args=["csv"])).status_code == 403
