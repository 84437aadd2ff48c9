"""The pages a newcomer opens first, in Chinese, at 1366 px and on a 360 px
phone, in Debian's chromium (and a supervisor's report and bulk page):
axe-core finds nothing serious or critical, and
nothing makes the page scroll sideways. Screenshots for a person to look at
(test-artifacts/screenshots/a11y-*)."""

import os

import axe_playwright_python
import pytest
from django.core.management import call_command

from cases.models import LoanCase
from cases.states import OPEN_STATES, CaseState
from notifications.links import link_issue
from tests.base import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# axe-core's own script, as the pip package axe-playwright-python bundles it
# (nothing is fetched: banks run on closed networks, and so does CI).
AXE_JS = os.path.join(os.path.dirname(axe_playwright_python.__file__), "axe.min.js")
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 360, "height": 780}}


@pytest.fixture
def demo(db):
    call_command("seed_demo", cases=80, password=PASSWORD, stdout=open(os.devnull, "w"))
    mine = LoanCase.objects.filter(officer__username="bj_cy_officer1", status__in=OPEN_STATES).order_by("number")
    # A case waiting for documents shows the most: a list, a deadline, a reason.
    return mine.filter(status=CaseState.DOCUMENTS_REQUESTED).first() or mine.first()


def serious_violations(page):
    page.add_script_tag(path=os.path.abspath(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sideways_scroll(page):
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_first_pages_pass_axe_and_fit_the_screen(browser, live_server, screenshot_dir, demo, width):
    context = browser.new_context(locale="zh-CN", viewport=WIDTHS[width], bypass_csp=True)
    page = context.new_page()
    problems = {}

    def check(name):
        page.screenshot(path=os.path.join(screenshot_dir, f"a11y-{name}-{width}.png"), full_page=True)
        found = serious_violations(page)
        overflow = sideways_scroll(page)
        if found or overflow > 0:
            problems[name] = {"axe": found, "sideways px": overflow}

    def log_in(username):
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(live_server.url + "/")

    log_in("bj_cy_supervisor")
    page.goto(live_server.url + "/supervisor/report/")
    check("report")
    page.goto(live_server.url + "/supervisor/bulk/")
    check("bulk")
    context.clear_cookies()
    log_in("bj_cy_officer1")
    check("my-work")
    page.goto(live_server.url + "/overdue/")
    check("overdue")
    page.goto(f"{live_server.url}/cases/{demo.number}/")
    check("case")
    page.goto(live_server.url + "/notices/")
    check("notices")
    _link, token = link_issue(demo)
    borrower = browser.new_context(locale="zh-CN", viewport=WIDTHS[width], bypass_csp=True).new_page()
    borrower.goto(f"{live_server.url}/s/{token}/")
    page, _officer = borrower, page
    check("borrower")
    context.close()
    assert problems == {}
