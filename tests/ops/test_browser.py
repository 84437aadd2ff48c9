"""Head office opens the status page in Chinese in a real browser (Debian's
chromium); a screenshot for a person to look at."""

import os

import pytest

from tests.base import log_in
from tests.ops.helpers import build_scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_head_office_reads_the_status_page(chinese_page, live_server, branch_a, officer, head_office, screenshot_dir):
    build_scene(branch_a, officer)
    page = chinese_page
    log_in(page, live_server, "head")
    page.goto(live_server.url + "/ops/status/")
    # "系统状态" once the lead has filled the catalogue with this page's strings.
    assert page.locator("h1").inner_text() in ("系统状态", "System status")
    assert "退出登录" in page.locator("header").inner_text()  # the staff pages' Chinese frame
    assert page.locator(".tile").count() == 7
    assert "notifications.tasks.send_progress_updates" in page.locator("main").inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, "ops-status.png"), full_page=True)
