"""In a real browser (Debian's chromium), in Chinese: log in, find an overdue
case, fire a transition with a reason, see the notice in the timeline; and a
screenshot of every dashboard page for a person to look at."""

import datetime
import os
import re

import pytest
from django.utils import timezone

from cases import services
from tests.base import log_in, make_case
from tests.dashboards.helpers import make_notice, make_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


DEFAULT_SLA = {"submitted": 5, "signed": 1, "under_review": 5, "documents_requested": 10, "approved": 3, "registration": 10}


@pytest.fixture
def scene(branch_a, officer, officer2, supervisor):
    # A transactional test starts from an empty database: the SLA policies of
    # the data migration are back only if we put them back.
    from cases.models import SlaPolicy

    for state, days in DEFAULT_SLA.items():
        SlaPolicy.objects.get_or_create(state=state, defaults={"business_days": days})
    officer.first_name, officer.last_name = "伟", "王"
    officer.save()
    now = timezone.now()
    cases = [make_case(branch_a, officer, at=now - datetime.timedelta(days=d)) for d in (25, 16, 12, 3, 0)]
    cases.append(make_case(branch_a, officer2, at=now - datetime.timedelta(days=20), borrower_name="李四"))
    services.case_transition(name="sign", case=cases[2], actor=officer, at=now - datetime.timedelta(days=11))
    for i, case in enumerate(cases):
        at = case.entered_state_at + datetime.timedelta(hours=1)
        make_notice(case, status="failed" if i % 3 == 0 else "delivered", at=at)
        make_notice(case, status="delivered", channel="email", at=at, acknowledged_at=at + datetime.timedelta(hours=2) if i % 2 else None)
    make_task(cases[0])
    return cases


def nav(page, name):
    return page.get_by_role("navigation", name="主导航").get_by_role("link", name=name)


def shot(page, screenshot_dir, name):
    page.screenshot(path=os.path.join(screenshot_dir, f"dashboard-{name}.png"), full_page=True)


def test_it_finds_an_overdue_case_and_holds_it_with_a_reason(chinese_page, live_server, scene, screenshot_dir):
    page = chinese_page
    log_in(page, live_server, "supervisor")
    nav(page, "逾期案件").click()
    assert page.locator("h1").inner_text() == "逾期案件"
    shot(page, screenshot_dir, "overdue")
    page.get_by_role("link", name=scene[0].number).click()
    assert scene[0].number in page.locator("h1").inner_text()
    page.locator("summary", has_text="暂缓").click()
    page.fill("#hold-reason", "贷款政策调整，暂停办理")
    page.get_by_role("button", name="确认：暂缓").click()
    page.wait_for_selector(".message.success")
    assert "暂缓" in page.locator("h1").inner_text()
    timeline = page.locator("ol.timeline").inner_text()
    assert "已受理 → 暂缓" in timeline
    assert "贷款政策调整，暂停办理" in timeline
    # The hold's notices to the borrower (channel names come from the notifications catalog).
    assert re.search(r"通知借款人 · (短信|SMS)", timeline)
    shot(page, screenshot_dir, "case-detail")


def test_it_screenshots_every_dashboard_page_in_chinese(chinese_page, live_server, scene, screenshot_dir):
    page = chinese_page
    page.goto(live_server.url + "/accounts/login/")
    shot(page, screenshot_dir, "login")
    log_in(page, live_server, "officer")
    assert "我的工作" in page.locator("h1").inner_text()
    shot(page, screenshot_dir, "my-work")
    nav(page, "通知监控").click()
    shot(page, screenshot_dir, "notices")
    page.get_by_role("button", name="退出登录").click()
    log_in(page, live_server, "supervisor")
    nav(page, "主管报表").click()
    assert page.locator("svg.chart").count() == 1
    shot(page, screenshot_dir, "report")
    page.goto(live_server.url + "/supervisor/bulk/")
    shot(page, screenshot_dir, "bulk")
    # Tablet width: the same pages still work.
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(live_server.url + "/overdue/")
    shot(page, screenshot_dir, "overdue-tablet")
