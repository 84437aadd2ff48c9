"""Supervisor report: overdue counts, SLA compliance, the notification KPI,
the server-drawn trend chart, and exports that open in a spreadsheet."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from cases import services
from tests.base import MONDAY, make_case
from tests.dashboards.helpers import make_notice

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 20, 15, 0, tzinfo=MONDAY.tzinfo)
PERIOD = {"start": "2026-03-01", "end": "2026-03-20"}


@pytest.fixture
def figures(branch_a, branch_b, officer, officer2, supervisor, outsider):
    """Branch A: officer has one late case and one case signed on time;
    officer2 one late case. Branch B: one late case."""
    # Cases are opened "at" MONDAY, as a view would have opened them then.
    with time_machine.travel(MONDAY, tick=False):
        late, on_time, late2, other = (
            make_case(branch_a, officer), make_case(branch_a, officer),
            make_case(branch_a, officer2), make_case(branch_b, outsider),
        )
    # late: due 9 March, still submitted
    services.case_transition(name="sign", case=on_time, actor=officer, at=MONDAY + datetime.timedelta(days=1))
    services.case_transition(name="sign", case=late2, actor=officer2, at=MONDAY + datetime.timedelta(days=9))  # after 9 March
    # Notices: officer 2 in time of 5 (the signing queued an email and an SMS
    # that never went out); officer2 none of 3.
    at = MONDAY + datetime.timedelta(days=2)
    make_notice(late, status="delivered", at=at)
    make_notice(late, status="acknowledged", channel="email", at=at, acknowledged_at=at + datetime.timedelta(hours=3))
    make_notice(on_time, status="failed", at=at)
    make_notice(late2, status="delivered", at=at, delivered_at=at + datetime.timedelta(days=2))
    make_notice(other, status="delivered", at=at)
    return {"late": late, "on_time": on_time, "late2": late2, "other": other}


def report(client, **params):
    with time_machine.travel(NOW, tick=False):
        return client.get(reverse("cases:report"), {**PERIOD, **params}, HTTP_ACCEPT_LANGUAGE="en")


def section(page, anchor):
    start = page.index(f'id="{anchor}"')
    return page[start: page.index("</section>", start)]


def test_it_counts_overdue_cases_by_branch_stage_and_officer(client, supervisor, figures):
    client.force_login(supervisor)
    page = report(client).content.decode()
    assert "Branch A" in section(page, "overdue_branch") and "Branch B" not in section(page, "overdue_branch")
    by_officer = section(page, "overdue_officer")
    assert "officer2" in by_officer
    by_stage = section(page, "overdue_stage")
    assert "Submitted" in by_stage


def test_it_reports_sla_compliance_per_stage(client, supervisor, figures):
    client.force_login(supervisor)
    sla = section(report(client).content.decode(), "sla")
    # Submitted: one signed in time, one signed late, one still late → 1/3.
    row = sla[sla.index("Submitted"):]
    row = row[: row.index("</tr>")]
    cells = [c.split("<")[0] for c in row.split('class="num">')[1:]]
    assert cells == ["1", "1", "1", "33.3%"]


def test_it_reports_the_notification_completion_rate_per_officer(client, supervisor, figures):
    client.force_login(supervisor)
    kpi = section(report(client).content.decode(), "kpi")
    officer_row = kpi[kpi.index('<td class="nowrap">officer</td>'):]
    officer_row = officer_row[: officer_row.index("</tr>")]
    assert "40.0%" in officer_row
    assert "Branch A" in officer_row  # two officers may share a name: the branch tells them apart
    officer2_row = kpi[kpi.index('<td class="nowrap">officer2</td>'):]
    assert "0.0%" in officer2_row[: officer2_row.index("</tr>")]


def test_head_office_sees_every_branch_and_may_narrow_to_one(client, head_office, figures, branch_b):
    client.force_login(head_office)
    page = report(client).content.decode()
    assert "Branch B" in section(page, "overdue_branch")
    page = report(client, branch=branch_b.pk).content.decode()
    assert "Branch A" not in section(page, "overdue_branch")


def test_it_draws_the_trend_chart_as_inline_svg_without_scripts(client, supervisor, figures):
    client.force_login(supervisor)
    page = report(client).content.decode()
    chart = section(page, "trend")
    assert "<svg" in chart and "<rect" in chart and "<polyline" in chart
    assert "<script" not in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "").replace("http://testserver", "")


def test_it_explains_a_bad_period(client, supervisor):
    client.force_login(supervisor)
    response = report(client, start="2026-03-20", end="2026-03-01")
    assert response.status_code == 400
    assert "must not be after" in response.content.decode()


def export(client, table, fmt, **params):
    with time_machine.travel(NOW, tick=False):
        return client.get(reverse("cases:report_export", args=[table, fmt]), {**PERIOD, **params}, HTTP_ACCEPT_LANGUAGE="en")


def test_it_exports_xlsx_that_a_spreadsheet_program_opens(client, supervisor, figures):
    client.force_login(supervisor)
    response = export(client, "kpi", "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("officer", "branch", "notices", "delivered or acknowledged in time", "completion %")
    assert ("officer", "Branch A", 5, 2, 40) in rows and ("officer2", "Branch A", 3, 0, 0) in rows


def test_it_exports_csv_with_the_same_filters(client, head_office, figures, branch_b):
    client.force_login(head_office)
    text = export(client, "overdue_branch", "csv").content.decode("utf-8-sig")
    assert "Branch A" in text and "Branch B" in text
    text = export(client, "overdue_branch", "csv", branch=branch_b.pk).content.decode("utf-8-sig")
    assert "Branch A" not in text and "Branch B" in text


def test_it_exports_the_overdue_list_with_its_filters(client, officer, officer2, figures):
    client.force_login(officer)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("cases:overdue_export", args=["xlsx"]), {"officer": officer2.pk})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == [figures["late2"].number] or numbers == []  # late2 was signed: due later
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("cases:overdue_export", args=["csv"]), {"officer": officer.pk})
    assert figures["late"].number in response.content.decode("utf-8-sig")
    assert figures["other"].number not in response.content.decode("utf-8-sig")


def test_report_queries_do_not_grow_with_data(client, supervisor, branch_a, officer, django_assert_max_num_queries):
    client.force_login(supervisor)
    with django_assert_max_num_queries(20) as small:
        report(client)
    for _ in range(20):
        case = make_case(branch_a, officer, at=MONDAY)
        services.case_transition(name="sign", case=case, actor=officer, at=MONDAY + datetime.timedelta(days=1))
        make_notice(case, status="delivered", at=MONDAY + datetime.timedelta(days=1))
    cache.clear()  # compare two computations, not a computation and a cached copy
    with django_assert_max_num_queries(20) as large:
        report(client)
    assert len(small.captured_queries) == len(large.captured_queries)


def test_report_figures_are_cached_for_a_few_minutes_and_say_so(client, supervisor, branch_a, officer):
    client.force_login(supervisor)
    first = report(client)
    assert "分钟更新一次" in first.content.decode() or "refreshed every" in first.content.decode()
    for _ in range(3):
        make_case(branch_a, officer, at=MONDAY)
    cached = report(client)
    assert cached.context["sections"]["overdue_branch"]["rows"] == first.context["sections"]["overdue_branch"]["rows"]
    cache.clear()  # what the expiry does after REPORT_CACHE_SECONDS
    fresh = report(client)
    assert fresh.context["sections"]["overdue_branch"]["rows"] != first.context["sections"]["overdue_branch"]["rows"]


def test_an_exported_name_that_looks_like_a_formula_stays_text(client, officer, figures, branch_a):
    # A branch renamed in the admin to a spreadsheet formula must not become a
    # live link in the file a supervisor opens.
    branch_a.name = '=HYPERLINK("http://evil.example/","click")'
    branch_a.save()
    client.force_login(officer)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("cases:overdue_export", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    branches = {row[6] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert branches == {"'" + branch_a.name}
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
