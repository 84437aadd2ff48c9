"""The development console prints whole messages on request (CONSOLE_BODIES),
but never a borrower's full address: a console is often a log file."""

import pytest
from django.core import mail

from notifications.channels.sms import ConsoleSmsBackend, SmsMessage

pytestmark = pytest.mark.django_db


def test_whole_messages_on_the_console_mask_the_recipients(settings, capsys):
    settings.EMAIL_BACKEND = "notifications.channels.console.EmailBackend"
    settings.NOTIFICATIONS_CONSOLE_BODIES = True
    message = mail.EmailMessage("您已完成面签", "点击链接查看进度", to=["zhangsan@example.com"], cc=["lisi@example.com"])
    assert message.send() == 1
    printed = capsys.readouterr().out
    assert "zhangsan@example.com" not in printed and "lisi@example.com" not in printed
    assert "To: z*******@example.com" in printed
    assert "Cc: l***@example.com" in printed
    assert "Content-Type: text/plain" in printed  # still the whole message
    assert message.to == ["zhangsan@example.com"]  # the message itself is left as it was


def test_whole_sms_on_the_console_mask_the_number(settings, capsys):
    settings.NOTIFICATIONS_CONSOLE_BODIES = True
    message = SmsMessage(to="+8613812345678", body="您的申请已进入审批", idempotency_key="k-1")
    ConsoleSmsBackend().send_message(message)
    printed = capsys.readouterr().out
    assert "13812345678" not in printed
    assert "5678" in printed and "您的申请已进入审批" in printed
