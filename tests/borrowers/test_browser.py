"""The borrower's whole visit on a 360 px phone, in Debian's chromium:
open the link from the SMS, acknowledge, ask, and the officer has the task."""

import re

import pytest
from django.urls import reverse

from notifications.channels import sms
from notifications.models import Channel, Notification, StaffTask
from notifications.tasks import send_notification
from tests.base import PASSWORD, drive_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

URL_RE = re.compile(r"https?://\S+/s/[A-Za-z0-9_-]{43}/")


@pytest.fixture
def browser_context_args(browser_context_args):
    # A 360 px phone; the pages must work with no JavaScript at all.
    return {
        **browser_context_args,
        "viewport": {"width": 360, "height": 800},
        "locale": "zh-CN",
        "java_script_enabled": False,
    }


def sent_sms_link(case, key):
    """Send the case's SMS for `key` through the locmem backend; the link in it."""
    notice = Notification.objects.filter(case=case, key=key, channel=Channel.SMS).latest("created_at")
    sms.outbox.clear()
    send_notification(notice.pk)
    (message,) = sms.outbox
    assert message.to == case.borrower_phone
    return URL_RE.search(message.body).group(0)


def test_it_takes_a_borrower_from_sms_to_question_on_a_phone(
    live_server, page, screenshot_dir, settings, case, officer, supervisor
):
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    settings.SITE_URL = live_server.url
    drive_to(case, "documents_requested", {"officer": officer, "supervisor": supervisor})
    url = sent_sms_link(case, "request_documents")

    page.goto(url)
    assert page.url == live_server.url + reverse("borrowers:status")  # the token is gone
    assert page.locator("h1").inner_text() == "您的房贷申请"
    assert page.get_by_text("收入证明", exact=True).is_visible()
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=f"{screenshot_dir}/borrower-status-zh.png", full_page=True)

    notice = Notification.objects.get(case=case, key="request_documents", channel=Channel.STATUS_PAGE)
    page.locator(f"#notice-{notice.pk}").get_by_role("button", name="我已收到").click()
    assert page.get_by_text("谢谢，已记录您收到此消息。").is_visible()
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None

    page.get_by_role("link", name="咨询或投诉").click()
    page.get_by_label("您的问题或投诉").fill("请问补件可以发邮件吗？")
    page.get_by_label("方便回电的时间").select_option("afternoon")
    page.screenshot(path=f"{screenshot_dir}/borrower-ask-zh.png", full_page=True)
    page.get_by_role("button", name="提交").click()
    assert page.locator("h1").inner_text() == "我们已收到您的问题"
    page.screenshot(path=f"{screenshot_dir}/borrower-question-zh.png", full_page=True)

    task = StaffTask.objects.get(case=case, kind=StaffTask.Kind.BORROWER_QUESTION)
    assert task.assigned_to == officer
    assert task.detail == "请问补件可以发邮件吗？"
    assert task.status == StaffTask.Status.OPEN

    page.get_by_role("link", name="返回我的申请").click()
    page.get_by_role("button", name="English").click()
    assert page.locator("h1").inner_text() == "Your mortgage application"
    page.reload()
    assert page.locator("html").get_attribute("lang") == "en"  # remembered
    page.screenshot(path=f"{screenshot_dir}/borrower-status-en.png", full_page=True)

    # The officer finds the question on their work page.
    staff = page.context.browser.new_page()
    staff.goto(live_server.url + reverse("login"))
    staff.locator("input[name=username]").fill(officer.username)
    staff.locator("input[name=password]").fill(PASSWORD)
    staff.locator("input[name=password]").press("Enter")
    staff.goto(live_server.url + reverse("cases:home"))
    assert staff.get_by_text("请问补件可以发邮件吗？").is_visible()
    staff.close()


def test_it_shows_a_friendly_page_for_a_dead_link(live_server, page, screenshot_dir, db):
    response = page.goto(live_server.url + "/s/" + "A" * 43 + "/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "此链接无法使用"
    page.screenshot(path=f"{screenshot_dir}/borrower-not-found-zh.png", full_page=True)
