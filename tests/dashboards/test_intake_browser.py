"""Cases in, in a Chinese browser at 1366 and 360 px: head office checks a
file with bad rows and reads the report; an officer's new-case form refuses
a wrong ID number on its field; a hotline agent finds a caller by the last 4
digits of their mobile. axe-core finds nothing serious on these pages, and
none scrolls sideways. Screenshots: test-artifacts/screenshots/intake-*."""

import os

import pytest

from tests.base import PASSWORD, make_case
from tests.cases.test_import import csv_bytes, make_rows
from tests.dashboards.test_accessibility import WIDTHS, serious_violations, sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_import_report_new_case_form_and_search_in_chinese(browser, live_server, screenshot_dir, tmp_path, width,
                                                          head_office, officer, branch_a):
    head_office.set_password(PASSWORD)
    head_office.save()
    make_case(branch_a, officer, borrower_name="欧阳娜娜", borrower_phone="13812345678")
    rows, bad = make_rows(60, bad_every=7)
    upload = tmp_path / "进件导出.csv"
    upload.write_bytes(csv_bytes(rows))

    context = browser.new_context(locale="zh-CN", viewport=WIDTHS[width], bypass_csp=True)  # axe is injected inline
    page = context.new_page()
    problems = {}

    def check(name):
        page.screenshot(path=os.path.join(screenshot_dir, f"intake-{name}-{width}.png"), full_page=True)
        found, overflow = serious_violations(page), sideways_scroll(page)
        if found or overflow > 0:
            problems[name] = {"axe": found, "sideways px": overflow}

    def log_in(username):
        context.clear_cookies()
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(live_server.url + "/")

    log_in(head_office.username)
    page.goto(live_server.url + "/imports/")
    page.set_input_files("#id_file", str(upload))
    page.get_by_role("button", name="检查文件").click()
    page.wait_for_selector("text=未导入任何案件")
    report = page.locator("table.list").inner_text()
    assert all(f"\n{row}\t" in f"\n{report}" for row in bad)  # every bad row, by its line in the file
    check("import-report")

    log_in(officer.username)
    page.goto(live_server.url + "/cases/new/")
    page.fill("#id_borrower_name", "王五")
    page.fill("#id_borrower_id_number", "110105199001010011")
    page.fill("#id_borrower_phone", "13912345678")
    page.fill("#id_property_address", "北京市朝阳区建国路88号")
    page.fill("#id_loan_amount", "980000")
    page.get_by_role("button", name="开立案件").click()
    assert "校验位不正确" in page.locator("main form").inner_text()
    check("new-case-form")

    page.goto(live_server.url + "/search/")
    page.fill("#id_q", "5678")
    page.get_by_role("button", name="搜索").click()
    found = page.locator("main table").inner_text()
    assert "欧阳娜娜" in found and "138****5678" in found
    check("search")
    context.close()
    assert problems == {}
