"""In Debian's chromium, in Chinese: head office enters the 2027 calendar
(a bad row first), and a case's estimated deadline before and after. The
screenshots are for a person to look at (test-artifacts/screenshots)."""

import datetime
import os

import pytest

from cases import services, tasks
from tests.base import BEIJING, log_in, make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def at(y, m, d, h=10):
    return datetime.datetime(y, m, d, h, 0, tzinfo=BEIJING)


def shot(page, screenshot_dir, name):
    page.screenshot(path=os.path.join(screenshot_dir, f"calendar-{name}.png"), full_page=True)


def test_head_office_enters_2027_and_the_estimated_deadline_becomes_final(
    live_server, chinese_page, screenshot_dir, branch_a, officer, supervisor, head_office
):
    page = chinese_page
    case = make_case(branch_a, officer, at=at(2026, 12, 22))
    services.case_transition(name="sign", case=case, actor=officer, at=at(2026, 12, 23))
    services.case_transition(name="start_review", case=case, actor=officer, at=at(2026, 12, 24))
    services.case_transition(name="request_documents",
        case=case, actor=officer, reason="需补充收入证明", payload={"documents": ["收入证明", "银行流水"]},
        at=at(2026, 12, 28),
    )

    log_in(page, live_server, head_office.username)
    page.goto(f"{live_server.url}/cases/{case.number}/")
    assert "预计" in page.inner_text(".case-head")
    shot(page, screenshot_dir, "case-provisional")

    page.goto(live_server.url + "/calendar/")
    assert "按农历推算，尚未录入" in page.inner_text("main")
    shot(page, screenshot_dir, "years")

    page.goto(live_server.url + "/calendar/2027/edit/")
    page.fill("textarea[name=days]", "2027-01-01~2027-01-03, 休, 元旦\n2027-02-08, 班, 调休")
    page.click("main form button[type=submit]")
    assert "第 2 行" in page.inner_text("main")  # a Monday cannot be a make-up working day
    shot(page, screenshot_dir, "edit-error")

    page.fill("textarea[name=days]", "2027-01-01~2027-01-03, 休, 元旦\n2月5日至11日, 休, 春节\n2027-02-20, 班, 春节调休上班")
    page.fill("input[name=source]", "国办发明电〔2026〕（测试）")
    page.click("main form button[type=submit]")
    assert "保存前请核对" in page.inner_text("main")
    shot(page, screenshot_dir, "edit-preview")
    page.click("button[name=confirm][value=yes]")
    page.wait_for_url(live_server.url + "/calendar/2027/")
    assert "2027年已保存" in page.inner_text("main")
    # What the worker does with the task the save queued.
    tasks.recompute_deadlines()
    page.reload()
    assert "期限已于" in page.inner_text("main")
    shot(page, screenshot_dir, "year-2027")

    page.goto(f"{live_server.url}/cases/{case.number}/")
    assert "按营业日历重新计算期限" in page.inner_text("main")
    assert "预计" not in page.inner_text(".case-head")
    shot(page, screenshot_dir, "case-recomputed")
