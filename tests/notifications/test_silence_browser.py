"""In Debian's chromium, in Chinese: a borrower nobody could reach lands on the
supervisor's page; the officer corrects the number on the case page (typed
twice) and the latest news goes to it. Screenshots for a person to look at."""

import os

import pytest

from cases import services
from notifications import actions as notification_actions
from notifications.models import Notification, StaffTask
from tests.base import log_in, make_case
from tests.notifications.helpers import send_due

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, screenshot_dir, name):
    page.screenshot(path=os.path.join(screenshot_dir, f"silence-{name}.png"), full_page=True)


def test_a_borrower_nobody_reached_is_escalated_and_the_number_corrected(
    live_server, chinese_page, screenshot_dir, branch_a, officer, supervisor, settings
):
    settings.NOTIFICATIONS_SMS_BACKEND = "tests.notifications.backends.InvalidNumberSmsBackend"
    case = make_case(branch_a, officer, borrower_email="", borrower_name="李四")
    services.case_transition(name="sign", case=case, actor=officer)
    send_due()
    verify = StaffTask.objects.get(case=case, kind=StaffTask.Kind.VERIFY_CONTACT)
    notification_actions.task_complete(task=verify, actor=officer, outcome="号码为空号，档案中无其他号码", reached=False)
    assert StaffTask.objects.filter(case=case, kind=StaffTask.Kind.ESCALATION, assigned_to=supervisor).exists()

    page = chinese_page
    log_in(page, live_server, supervisor.username)
    assert "未联系上借款人：已上报" in page.inner_text("#tasks")
    shot(page, screenshot_dir, "supervisor-my-work")

    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    page.goto(f"{live_server.url}/cases/{case.number}/")
    page.click("text=更正联系方式…")
    page.check("input[name=field][value=phone]")
    page.fill("input[name=value]", "13900003333")
    page.fill("input[name=value_again]", "13900003334")
    page.fill("input[name=note]", "拨打贷款档案中的紧急联系人，借款人本人确认")
    page.click("text=保存新的联系方式")
    assert "两次输入不一致" in page.inner_text("main")
    shot(page, screenshot_dir, "correction-mismatch")
    page.fill("input[name=value_again]", "139 0000 3333")
    page.click("text=保存新的联系方式")
    assert "联系方式已更正（138****5678 → 139****3333）" in page.inner_text("main")
    send_due()
    page.reload()
    shot(page, screenshot_dir, "case-after-correction")
    resent = Notification.objects.get(case=case, key="sign", channel="sms")
    assert resent.status == "delivered" and resent.recipient == "+8613900003333"
