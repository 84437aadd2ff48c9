"""What staff read about a notice is in their language: delivery events,
provider errors and the news a task is about, never a code or an English
provider phrase under zh-CN."""

import datetime

import pytest
import time_machine
from django.utils import translation

from cases import services
from notifications import rendering, wording
from notifications.models import StaffTask
from tests.base import BEIJING, make_case
from tests.notifications.backends import SmsOutage
from tests.notifications.helpers import send_due


@pytest.mark.parametrize(
    "stored, chinese, english",
    [
        ("attempt 2: handset unreachable", "第2次发送：手机无法接通", "attempt 2: the handset cannot be reached"),
        ("attempt 1", "第1次发送", "attempt 1"),
        ("SMS gateway unreachable: read timeout", "短信网关无响应 (read timeout)",
         "the SMS gateway did not answer (read timeout)"),
        ("mailbox unavailable (550)", "邮箱不存在 (550)", "the mailbox does not exist (550)"),
        ("sms provider circuit open", "短信：服务商故障，本通知等待恢复后发送",
         "SMS: the provider is down; this notice waits for it"),
        ("bounced: invalid", "退信 (invalid)", "bounced (invalid)"),
        # What we do not recognise is shown as the provider said it.
        ("quota exceeded for account 7", "quota exceeded for account 7", "quota exceeded for account 7"),
    ],
)
def test_stored_errors_read_in_the_readers_language(stored, chinese, english):
    with translation.override("zh-hans"):
        assert wording.error_text(stored) == chinese
    with translation.override("en"):
        assert wording.error_text(stored) == english


def test_delivery_events_and_provider_reports_have_names():
    with translation.override("zh-hans"):
        assert wording.delivery_event_label("delivered") == "已送达"
        assert wording.delivery_event_label("attempt_failed") == "发送失败，将重试"
        assert wording.delivery_event_label("provider:bounced") == "服务商回执：退信"
        assert wording.delivery_event_label("provider:something_new") == "服务商回执：something_new"


@pytest.fixture
def sms_down():
    SmsOutage.down, SmsOutage.calls = True, 0
    yield
    SmsOutage.down = False


def test_a_call_task_names_the_news_in_words_not_its_code(branch_a, officer, settings, sms_down):
    settings.NOTIFICATIONS_SMS_BACKEND = "tests.notifications.backends.FlakySmsBackend"
    settings.NOTIFICATIONS_CIRCUIT_FAILURES = 1
    case = make_case(branch_a, officer, at=datetime.datetime(2026, 3, 2, 9, tzinfo=BEIJING), borrower_email="")
    with time_machine.travel(datetime.datetime(2026, 3, 2, 11, tzinfo=BEIJING), tick=False):
        services.case_transition(name="sign", case=case, actor=officer)
        send_due()
    call = StaffTask.objects.get(case=case, kind=StaffTask.Kind.CALL_BORROWER)
    assert "您已完成面签" in call.detail  # the news, as the borrower was to read it
    assert "“sign”" not in call.detail


def test_a_padding_filter_cannot_make_a_huge_message():
    assert len(rendering.render('{{ case_number|center:"2000000000" }}', {"case_number": "HL-1"})) <= rendering.MAX_WIDTH
