"""The transactional outbox: notices are written with their transition, or not at all."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.db import transaction

from cases import services
from cases.models import CaseTransition
from cases.services import TransitionRefused
from notifications import rendering
from notifications.channels import sms
from notifications.models import (
    Channel,
    MessageTemplate,
    Notification,
    NotificationStatus,
)
from tests.base import MONDAY, drive_to, make_case
from tests.notifications.helpers import send_due


def test_it_writes_one_notice_per_channel_with_the_transition(case, officer):
    record = services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)

    notices = Notification.objects.filter(transition=record)
    assert {n.channel for n in notices} == {Channel.EMAIL, Channel.SMS, Channel.STATUS_PAGE}
    assert all(n.key == "sign" and n.created_at == MONDAY for n in notices)
    # Shown on the status page as soon as written; the others wait for the worker.
    page = notices.get(channel=Channel.STATUS_PAGE)
    assert page.status == NotificationStatus.DELIVERED and page.delivered_at == MONDAY
    assert notices.get(channel=Channel.SMS).status == NotificationStatus.QUEUED


def test_it_leaves_no_notice_when_the_transition_rolls_back(case, officer):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
            assert Notification.objects.filter(case=case).exists()
            raise RuntimeError("the caller's transaction fails after the transition")

    assert not CaseTransition.objects.filter(case=case).exists()
    assert not Notification.objects.filter(case=case).exists()


def test_it_writes_nothing_for_a_refused_transition(case, officer):
    with pytest.raises(TransitionRefused):
        services.case_transition(name="approve", case=case, actor=officer, at=MONDAY)
    assert not Notification.objects.exists()


def test_it_has_notices_for_every_committed_transition(case, people):
    drive_to(case, "disbursed", people)

    for record in CaseTransition.objects.filter(case=case):
        assert record.notifications.filter(channel=Channel.SMS).count() == 1
        assert record.notifications.filter(channel=Channel.STATUS_PAGE).count() == 1


def test_it_queues_dispatch_only_after_commit(case, officer, django_capture_on_commit_callbacks, q_sync):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    assert len(callbacks) == 1
    assert not mail.outbox and not sms.outbox  # nothing is sent inside the transaction

    callbacks[0]()  # the commit happened: django-q2 (inline here) sends

    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    assert set(Notification.objects.filter(case=case).values_list("status", flat=True)) == {
        NotificationStatus.DELIVERED
    }


def test_it_skips_channels_the_borrower_cannot_be_reached_on(branch_a, officer):
    case = make_case(branch_a, officer, borrower_email="")
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    assert set(Notification.objects.filter(case=case).values_list("channel", flat=True)) == {
        Channel.SMS, Channel.STATUS_PAGE
    }


def test_the_message_tells_stage_next_step_date_hotline_and_link(case, people):
    drive_to(case, "under_review", people)
    send_due()

    text = sms.outbox[-1].body
    assert "审批中" in text  # the stage
    assert "审批团队正在审核" in text or "reviewing" in text  # what happens next
    assert "2026年3月9日" in text  # under review: 5 business days after Monday 2 March
    assert "010-1000-0001" in text  # the branch hotline
    assert "https://loans.bank.example/s/" in text  # the status page link


def test_it_never_stores_the_link_token_and_never_sends_the_id_number(case, people):
    drive_to(case, "signed", people)
    send_due()

    sent = mail.outbox[-1]
    link = next(word for word in sent.body.split() if word.startswith("https://loans.bank.example/s/"))
    token = link.rstrip("/").rsplit("/", 1)[-1]
    for notice in Notification.objects.filter(case=case):
        assert token not in notice.body and token not in notice.body_html
    for body in [m.body for m in mail.outbox] + [m.body for m in sms.outbox]:
        assert case.borrower_id_number not in body


def test_an_administrators_template_edit_is_used_and_cannot_leak_the_id_number(case, officer):
    MessageTemplate.objects.filter(key="sign", channel="sms", language="zh-hans").update(
        body_text="编号{{ case_number }} 身份证{{ case.borrower_id_number }}{{ borrower_id_number }}"
    )
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    body = Notification.objects.get(case=case, channel=Channel.SMS).body
    assert body.startswith(f"编号{case.number}")
    assert case.borrower_id_number not in body


def test_a_broken_template_falls_back_to_the_default_text(case, officer):
    MessageTemplate.objects.filter(key="sign", channel="sms", language="zh-hans").update(body_text="{% if %}")
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    assert "已完成面签" in Notification.objects.get(case=case, channel=Channel.SMS).body


def test_english_borrowers_get_english_messages(case, officer, settings):
    settings.NOTIFICATIONS_DEFAULT_LANGUAGE = "en"
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    notice = Notification.objects.get(case=case, channel=Channel.EMAIL)
    assert notice.language == "en"
    assert notice.subject == f"Your mortgage application {case.number} has been signed"
    assert "What happens next: Your application goes to credit review next." in notice.body


def test_every_default_template_renders_in_both_languages(db):
    for template in MessageTemplate.objects.all():
        subject, text, html = rendering.render_template(template, rendering.SAMPLE_CONTEXT)
        assert text, template
        assert "{{" not in text and "{%" not in text


def test_a_reject_also_asks_the_officer_to_call(case, people):
    drive_to(case, "rejected", people)
    send_due()
    phone = Notification.objects.get(case=case, channel=Channel.PHONE)
    task = phone.tasks.get()
    assert task.assigned_to == people["officer"] and task.kind == "phone_notice"
    assert phone.status == NotificationStatus.SENT  # delivered when the officer records the call


def test_notices_for_event_writes_a_status_link_by_sms_and_email(case):
    notices = Notification.objects.none()
    from notifications import services as notification_services

    notices = notification_services.notices_for_event(
        case=case, key="status_link", at=MONDAY, channels=[Channel.EMAIL, Channel.SMS]
    )
    assert {n.channel for n in notices} == {Channel.EMAIL, Channel.SMS}
    send_due()
    assert "https://loans.bank.example/s/" in sms.outbox[0].body


@pytest.mark.parametrize(
    "state, sentence",
    [
        ("documents_requested", "请补充：收入证明。说明：测试原因。当前阶段：待补件。"),
        ("rejected", "原因：测试原因。当前阶段：未通过。"),
        ("withdrawn", "原因：测试原因。当前阶段：已撤回。"),
    ],
)
def test_a_reason_ends_its_own_sentence_in_the_sms(case, people, state, sentence):
    drive_to(case, state, people)
    assert sentence in Notification.objects.filter(case=case, channel=Channel.SMS).latest("created_at").body


def test_a_reason_that_ends_with_a_full_stop_gets_no_second_one(case, people):
    drive_to(case, "signed", people)
    services.case_transition(name="hold", case=case, actor=people["supervisor"], reason="政策调整。")
    body = Notification.objects.filter(case=case, channel=Channel.SMS).latest("created_at").body
    assert "原因：政策调整。当前阶段：暂缓。" in body


def test_the_full_stop_migration_updates_earlier_defaults_and_keeps_an_edited_template(db):
    migration = importlib.import_module("notifications.migrations.0008_reasons_end_with_a_full_stop")
    earlier = [row for row in migration.PREVIOUS if row[0] == ("reject", "sms", "zh-hans")]
    assert len(earlier) == 2  # before and after 最迟 replaced 前: both are matched
    for (key, channel, language), subject, body_text, body_html in earlier:
        MessageTemplate.objects.filter(key=key, channel=channel, language=language).update(
            subject=subject, body_text=body_text, body_html=body_html
        )
        MessageTemplate.objects.filter(key="hold", language="zh-hans", channel="sms").update(
            body_text="分行自拟：{{ reason }}"
        )
        migration.forwards(django_apps, None)
        reject = MessageTemplate.objects.get(key="reject", language="zh-hans", channel="sms")
        assert "原因：{{ reason }}。" in reject.body_text
        assert reject.body_text == migration.NEW[("reject", "sms", "zh-hans")][1]
        assert MessageTemplate.objects.get(key="hold", language="zh-hans", channel="sms").body_text == "分行自拟：{{ reason }}"


def test_the_stored_defaults_are_todays_defaults(db):
    # A new database gets today's defaults; 0008 wrote the same texts.
    migration = importlib.import_module("notifications.migrations.0008_reasons_end_with_a_full_stop")
    for (key, channel, language), texts in migration.NEW.items():
        stored = MessageTemplate.objects.get(key=key, channel=channel, language=language)
        assert (stored.subject, stored.body_text, stored.body_html) == texts
