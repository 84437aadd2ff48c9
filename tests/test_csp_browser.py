"""With the Content-Security-Policy enforced (no bypass), Debian's chromium
reports no violation on any staff page, the admin, the API docs or the
borrower's page: nothing inline is left that the policy blocks."""

import os

import pytest
from django.core.management import call_command

from cases.models import LoanCase
from cases.states import OPEN_STATES
from notifications.links import link_issue
from tests.base import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script, whatever the policy: it records each violation
# the browser reports.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile);
});
"""


@pytest.fixture
def demo(db):
    call_command("seed_demo", cases=30, password=PASSWORD, stdout=open(os.devnull, "w"))
    return LoanCase.objects.filter(status__in=OPEN_STATES).order_by("number").first()


def test_no_page_breaks_the_policy(browser, live_server, screenshot_dir, demo):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text))
    violations = {}

    def visit(path, name=None):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        found = page.evaluate("() => window.__violations")
        found += [text for text in console if "Content Security Policy" in text]
        console.clear()
        if found:
            violations[path] = found
        if name:
            page.screenshot(path=os.path.join(screenshot_dir, f"csp-{name}.png"))

    visit("/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    for path in [
        "/",
        "/overdue/",
        "/notices/",
        f"/cases/{demo.number}/",
        "/cases/new/",
        "/search/?q=HL",
        "/imports/",
        "/calendar/",
        "/calendar/2026/",
        "/calendar/2027/edit/",
        "/supervisor/report/",
        "/supervisor/bulk/",
        "/supervisor/access-log/",
        "/admin/",
        "/admin/notifications/notification/",
        "/admin/cases/loancase/",
        f"/admin/cases/loancase/{demo.pk}/change/",
    ]:
        visit(path)
    visit("/api/v1/docs/", name="api-docs")
    # Swagger UI drew the operations from the schema: its script ran.
    assert page.locator(".opblock").count() > 0

    context.clear_cookies()
    _link, token = link_issue(demo)
    visit(f"/s/{token}/", name="borrower")
    assert demo.number in page.content()

    assert violations == {}
    context.close()
