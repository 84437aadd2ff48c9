"""The business calendar as data: the seeded years, entering a year on the
page and from a CSV file, bad input, the warnings from 1 November."""

import datetime
import re
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import calendar, sla
from cases.checks import check_business_calendar
from cases.models import BusinessDay, BusinessYear
from tests.base import BEIJING

D = datetime.date
pytestmark = pytest.mark.django_db


def at(y, m, d, h=10):
    return datetime.datetime(y, m, d, h, 0, tzinfo=BEIJING)


# --- What the migration stored ----------------------------------------------------


def test_2025_and_2026_are_stored_as_announced_with_their_make_up_days():
    # 2010–2026 from the holidays package, so imported older histories are exact too.
    assert set(BusinessYear.objects.values_list("year", "status")) == {(y, "announced") for y in range(2010, 2027)}
    assert BusinessDay.objects.filter(day__year=2024, kind="workday").count() == 8
    workdays_2026 = set(BusinessDay.objects.filter(year=2026, kind="workday").values_list("day", flat=True))
    assert workdays_2026 == {D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)}
    assert BusinessDay.objects.get(day=D(2026, 10, 1)).name == "国庆节"
    snapshot = calendar.current()
    assert snapshot.is_announced(2026) and not snapshot.is_announced(2027)


def test_the_database_is_the_source_not_the_package(head_office):
    # A bank that corrects a stored year gets its correction, whatever the package says.
    days, errors = calendar.parse_rows(calendar.split_table("2026-03-02, 休, 测试假日"), 2026)
    assert not errors
    calendar.year_store(year=2026, status="announced", days=days, actor=head_office)
    assert not sla.is_business_day(D(2026, 3, 2))
    assert sla.is_business_day(D(2026, 10, 1))  # no longer listed: an ordinary Thursday


# --- Reading a table --------------------------------------------------------------


def test_it_reads_pasted_rows_in_the_ways_people_write_them():
    text = "\n".join([
        "日期\t类型\t名称",  # a header copied from a spreadsheet
        "2027-01-01\t休\t元旦",
        "2027/2/5，休，除夕",
        "2月6日至8日, 放假, 春节",
        "2027年2月20日 班",
        "2027-10-01~2027-10-03, holiday, 国庆节",
        "# comments and blank lines are skipped",
        "",
    ])
    days, errors = calendar.parse_rows(calendar.split_table(text), 2027)
    assert errors == []
    assert [(d.day, d.kind, d.name) for d in days] == [
        (D(2027, 1, 1), "holiday", "元旦"),
        (D(2027, 2, 5), "holiday", "除夕"),
        (D(2027, 2, 6), "holiday", "春节"),
        (D(2027, 2, 7), "holiday", "春节"),
        (D(2027, 2, 8), "holiday", "春节"),
        (D(2027, 2, 20), "workday", "调休上班"),
        (D(2027, 10, 1), "holiday", "国庆节"),
        (D(2027, 10, 2), "holiday", "国庆节"),
        (D(2027, 10, 3), "holiday", "国庆节"),
    ]


BAD_ROWS = "\n".join([
    "2027-01-01, 休, 元旦",
    "2026-12-31, 休, 跨年",  # 2: outside the year
    "2027-01-01, 休, 元旦",  # 3: duplicate
    "2027-02-08, 班, 调休",  # 4: a Monday as a make-up working day
    "2027-13-45, 休, 乱写",  # 5: garbage date
    "next friday, 休, 乱写",  # 6: garbage date
    "2027-03-01, 上午, 半天",  # 7: unknown kind
    "2027-04-05, 休",  # 8: a holiday without a name
])


def test_every_bad_row_gets_its_own_message():
    with translation.override("en"):
        days, errors = calendar.parse_rows(calendar.split_table(BAD_ROWS), 2027)
    assert [error.line for error in errors] == [2, 3, 4, 5, 6, 7, 8]
    messages = [error.message for error in errors]
    assert "not in 2027" in messages[0]
    assert "already on line 1" in messages[1]
    assert "Monday" in messages[2] and "Saturday or Sunday" in messages[2]
    assert "not a date" in messages[3] and "not a date" in messages[4]
    assert "neither a holiday" in messages[5]
    assert "name" in messages[6]


def edit_url(year=2027):
    return reverse("cases:calendar_edit", args=[year])


def test_bad_rows_on_the_page_are_listed_in_chinese_and_nothing_is_written(client, head_office):
    client.force_login(head_office)
    response = client.post(edit_url(), {"status": "announced", "source": "", "days": BAD_ROWS, "confirm": "yes"},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    page = response.content.decode()
    assert "未保存任何内容" in page
    for line in (2, 3, 4, 5, 6, 7, 8):
        assert f"第 {line} 行" in page
    assert "不在 2027 年内" in page and "已在第 1 行出现" in page and "调休上班日只能是周六或周日" in page
    assert not BusinessYear.objects.filter(year=2027).exists()
    assert not BusinessDay.objects.filter(day__year=2027).exists()
    # What was typed is still there to correct.
    assert "next friday" in page


def test_an_announced_year_without_any_holiday_is_refused(client, head_office):
    client.force_login(head_office)
    response = client.post(edit_url(), {"status": "announced", "days": "", "confirm": "yes"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "enter the notice" in response.content.decode()
    assert not BusinessYear.objects.filter(year=2027).exists()


# --- The pages ----------------------------------------------------------------------


def test_the_list_shows_announced_years_and_the_estimated_next_one(client, officer):
    client.force_login(officer)
    with time_machine.travel(at(2026, 11, 30), tick=False):
        client.force_login(officer)
        page = client.get(reverse("cases:calendar"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2025" in page and "2026" in page and "2027" in page
    assert "from the lunar calendar, not entered" in page
    # Officers may look, not change.
    assert "Enter or correct a year" not in page


def test_a_year_page_shows_its_days_and_the_estimate_for_a_year_not_entered(client, officer):
    client.force_login(officer)
    page = client.get(reverse("cases:calendar_year", args=[2026]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2026-02-14" in page and "Make-up working day" in page and "国庆节" in page
    page = client.get(reverse("cases:calendar_year", args=[2027]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nobody has entered this year" in page and "2027-02-05" in page
    assert client.get(reverse("cases:calendar_year", args=[1900])).status_code == 404


def test_only_head_office_may_enter_a_year(client, officer, supervisor):
    for user in (officer, supervisor):
        client.force_login(user)
        assert client.get(edit_url()).status_code == 403
        response = client.post(edit_url(), {"status": "announced", "days": "2027-01-01, 休, 元旦", "confirm": "yes"})
        assert response.status_code == 403
    assert not BusinessYear.objects.filter(year=2027).exists()
    client.logout()
    assert client.get(edit_url()).status_code == 302  # to the login page


def test_the_form_starts_from_the_estimate_and_previews_before_saving(client, head_office):
    client.force_login(head_office)
    form = client.get(edit_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2027-02-05, holiday, " in form  # the lunar-calendar estimate, to correct
    data = {"status": "announced", "source": "国办发明电（测试）", "days": "2027-01-01, 休, 元旦\n2027-02-20, 班, 调休"}
    preview = client.post(edit_url(), data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Check before saving" in preview and "2027-02-20" in preview
    assert not BusinessYear.objects.filter(year=2027).exists()
    back = client.post(edit_url(), {**data, "confirm": "back"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Preview the changes" in back and "2027-02-20, 班, 调休" in back
    saved = client.post(edit_url(), {**data, "confirm": "yes"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "2027 saved (Announced)" in saved.content.decode()
    year = BusinessYear.objects.get(year=2027)
    assert (year.status, year.source, year.updated_by) == ("announced", "国办发明电（测试）", head_office)
    assert list(year.days.values_list("day", "kind")) == [(D(2027, 1, 1), "holiday"), (D(2027, 2, 20), "workday")]
    assert sla.is_business_day(D(2027, 2, 20))  # the snapshot was refreshed at once


def test_the_go_box_refuses_a_year_that_makes_no_sense(client, head_office):
    client.force_login(head_office)
    response = client.get(reverse("cases:calendar_go"), {"year": "abc"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Enter a year between 2000 and 2100" in response.content.decode()
    response = client.get(reverse("cases:calendar_go"), {"year": "2027"})
    assert response.url == edit_url()


# --- The command -------------------------------------------------------------------


def write(tmp_path, text, name="2027.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_the_command_loads_a_csv_year(tmp_path):
    path = write(tmp_path, "date,kind,name\n2027-01-01,休,元旦\n2027-02-20,班,春节调休\n")
    out = StringIO()
    call_command("load_calendar", path, "--year", "2027", "--source", "国办发明电（测试）", stdout=out)
    assert "Saved." in out.getvalue()
    assert BusinessYear.objects.get(year=2027).status == "announced"
    assert BusinessDay.objects.filter(day__year=2027).count() == 2


def test_the_command_reports_every_bad_row_and_writes_nothing(tmp_path):
    path = write(tmp_path, BAD_ROWS.replace(", ", ","))
    err = StringIO()
    with pytest.raises(CommandError, match="7 bad rows"):
        call_command("load_calendar", path, "--year", "2027", stdout=StringIO(), stderr=err)
    assert [line.split(":")[0] for line in err.getvalue().splitlines()] == [f"line {n}" for n in range(2, 9)]
    assert not BusinessYear.objects.filter(year=2027).exists()


def test_the_command_dry_run_writes_nothing_and_bad_files_say_why(tmp_path):
    path = write(tmp_path, "2027-01-01,休,元旦\n")
    out = StringIO()
    call_command("load_calendar", path, "--year", "2027", "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue() and not BusinessYear.objects.filter(year=2027).exists()
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("load_calendar", write(tmp_path, "2027-01-01,休,元旦", encoding="gb18030"), "--year", "2027")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_calendar", str(tmp_path / "missing.csv"), "--year", "2027")


# --- Warnings from 1 November --------------------------------------------------------


def check_ids():
    return {message.id for message in check_business_calendar(None)}


def test_the_system_check_warns_from_1_november_until_next_year_is_entered(head_office):
    with time_machine.travel(at(2026, 10, 31), tick=False):
        assert check_ids() == set()
    with time_machine.travel(at(2026, 11, 1), tick=False):
        assert check_ids() == {"cases.W002"}
    days, _ = calendar.parse_rows([(1, ["2027-01-01", "休", "元旦"])], 2027)
    calendar.year_store(year=2027, status="announced", days=days, actor=head_office)
    with time_machine.travel(at(2026, 11, 1), tick=False):
        assert check_ids() == set()


def test_the_system_check_warns_when_this_year_is_only_estimated():
    with time_machine.travel(at(2027, 3, 1), tick=False):
        assert check_ids() == {"cases.W001"}


def test_head_office_sees_a_banner_from_1_november(client, head_office, officer):
    with time_machine.travel(at(2026, 11, 2), tick=False):
        client.force_login(head_office)
        page = client.get(reverse("cases:home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "国务院2027年节假日安排尚未录入" in page and edit_url() in page
        client.force_login(officer)
        assert "国务院2027年节假日安排尚未录入" not in client.get(reverse("cases:home")).content.decode()
    with time_machine.travel(at(2026, 10, 30), tick=False):
        client.force_login(head_office)
        assert "节假日安排尚未录入" not in client.get(reverse("cases:home")).content.decode()


def test_the_backlog_command_says_the_calendar_status():
    out = StringIO()
    with time_machine.travel(at(2026, 12, 1), tick=False):
        call_command("notification_backlog", stdout=out)
    assert "business calendar: 2026 announced, 2027 estimated" in out.getvalue()
    assert "enter the 2027 holiday schedule" in out.getvalue()


def test_the_admin_shows_the_calendar_read_only(admin_client):
    page = admin_client.get(reverse("admin:cases_businessyear_change", args=[2026])).content.decode()
    assert "国庆节" in page and 'name="status"' not in page
    assert admin_client.get(reverse("admin:cases_businessyear_add")).status_code == 403


def test_it_reads_what_spreadsheets_and_typists_add():
    text = "\n".join([
        "\ufeff日期,类型,名称",  # Excel's byte-order mark before the header
        "10月1日-3日, 休, 国庆节",  # a hyphen between Chinese dates is a range
        "10月4日 至 5日 休 国庆节",  # spaces around 至 in a space-separated row
        "2027-10-09,班,国庆调休,,",  # empty cells a spreadsheet leaves at the end
    ])
    days, errors = calendar.parse_rows(calendar.split_table(text), 2027)
    assert errors == []
    assert [d.day for d in days] == [D(2027, 10, n) for n in (1, 2, 3, 4, 5, 9)]
    with translation.override("en"):
        days, errors = calendar.parse_rows(calendar.split_table("12月31日至1月2日, 休, 元旦"), 2026)
    # The range runs into 2027: its 2027 days are named, not the row called garbage.
    assert [d.day for d in days] == [D(2026, 12, 31)]
    assert [e.message for e in errors] == ["2027-01-01 is not in 2026.", "2027-01-02 is not in 2026."]


def test_an_estimated_year_without_any_holiday_is_refused_too(client, head_office, tmp_path):
    client.force_login(head_office)
    response = client.post(edit_url(), {"status": "estimated", "days": "", "confirm": "yes"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "public holidays" in response.content.decode()
    with pytest.raises(CommandError, match="1 bad rows"):
        call_command("load_calendar", write(tmp_path, "date,kind,name\n"), "--year", "2027", "--estimated",
                     stdout=StringIO(), stderr=StringIO())
    assert not BusinessYear.objects.filter(year=2027).exists()


def test_correcting_a_year_starts_from_its_stored_status(client, head_office):
    days, _ = calendar.parse_rows([(1, ["2027-01-01", "休", "元旦"])], 2027)
    calendar.year_store(year=2027, status="estimated", days=days, actor=head_office)
    client.force_login(head_office)
    form = client.get(edit_url()).content.decode()
    assert re.search(r'<input[^>]*value="estimated"[^>]*checked', form)
    assert not re.search(r'<input[^>]*value="announced"[^>]*checked', form)


def test_the_command_speaks_english(tmp_path):
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_calendar", write(tmp_path, "2027-02-08,班,调休\n"), "--year", "2027", stdout=StringIO(),
                     stderr=err)
    assert "is a Monday, a working day anyway" in err.getvalue()


def test_in_january_the_banner_stays_while_this_year_is_missing(client, head_office):
    with time_machine.travel(at(2027, 1, 5), tick=False):
        client.force_login(head_office)
        page = client.get(reverse("cases:home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "国务院2027年节假日安排尚未录入" in page
        out = StringIO()
        call_command("notification_backlog", stdout=out)
        assert "enter the 2027 holiday schedule" in out.getvalue()


# --- Whatever is pasted ----------------------------------------------------------------

CELL = st.one_of(
    st.dates(min_value=D(2026, 12, 1), max_value=D(2028, 1, 31)).map(str),
    st.sampled_from(["休", "班", "holiday", "workday", "放假", "调休", "2月5日至11日", "10月1日-7日", "12月31日至1月2日"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12),
)
ROW = st.lists(CELL, min_size=0, max_size=4).map(lambda cells: ", ".join(cells))


@given(st.lists(ROW, max_size=12))
@settings(max_examples=300, deadline=None)
def test_any_pasted_table_gives_days_of_the_year_or_row_errors_never_a_crash(rows):
    text = "\n".join(rows)
    days, errors = calendar.parse_rows(calendar.split_table(text), 2027)
    assert all(day.day.year == 2027 for day in days)
    assert len({day.day for day in days}) == len(days)  # never the same day twice
    assert all(day.kind != "workday" or day.day.weekday() >= 5 for day in days)
    lines = len(text.splitlines())
    assert all(1 <= error.line <= lines for error in errors)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=200))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_page_answers_any_input_with_a_form_or_a_preview_and_writes_nothing(client, head_office, text):
    client.force_login(head_office)
    response = client.post(edit_url(), {"status": "announced", "source": text[:50], "days": text})
    assert response.status_code in (200, 400)
    assert not BusinessYear.objects.filter(year=2027).exists()
