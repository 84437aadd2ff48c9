"""Staff see masked contact details only, and no raw status-page token is
stored: task texts, delivery events, the admin, and the deploy checks that
keep production from logging what it should send."""

import pytest
from django.contrib.auth.models import Permission
from django.core.checks import run_checks
from django.urls import reverse

from cases import services
from notifications import dispatch, staff
from notifications import services as notification_services
from notifications.channels import DeliveryError
from notifications.channels.sms import BaseSmsBackend
from notifications.models import (
    Channel,
    DeliveryEvent,
    MessageTemplate,
    Notification,
    NotificationStatus,
    StaffTask,
)
from tests.base import MONDAY, drive_to, make_case
from tests.notifications.helpers import send_due

EMAIL = "zhangsan@example.com"
MASKED_EMAIL = "z*******@example.com"


class QuotingSmsBackend(BaseSmsBackend):
    """A gateway whose error quotes the number, as many do."""

    def send_message(self, message):
        raise DeliveryError(f"number 86{message.to[3:]} ({message.to}) is not in service", unreachable=True)


def staff_visible_text(notice):
    """Everything about a notice that staff screens show."""
    notice.refresh_from_db()
    parts = [notice.last_error]
    parts += list(DeliveryEvent.objects.filter(notification=notice).values_list("detail", flat=True))
    parts += list(StaffTask.objects.filter(notification=notice).values_list("detail", flat=True))
    return "\n".join(parts)


def test_it_masks_the_email_address_in_the_task_of_a_refused_email(case, officer, settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingEmailBackend"
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    notice = Notification.objects.get(case=case, channel=Channel.EMAIL)

    assert dispatch.send(notice.pk) == NotificationStatus.FAILED

    task = StaffTask.objects.get(notification=notice, kind=StaffTask.Kind.VERIFY_CONTACT)
    assert MASKED_EMAIL in task.detail
    assert "no such mailbox" in task.detail  # the reason is still there
    assert EMAIL not in staff_visible_text(notice)


def test_it_masks_the_phone_number_in_a_gateway_error(case, officer, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = "tests.notifications.test_personal_data.QuotingSmsBackend"
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    notice = Notification.objects.get(case=case, channel=Channel.SMS)

    assert dispatch.send(notice.pk) == NotificationStatus.FAILED

    shown = staff_visible_text(notice)
    assert "138****5678" in shown
    assert "13812345678" not in shown


def test_it_never_stores_the_status_page_token_in_a_phone_task(case, people, settings):
    # An administrator's phone script that mentions the borrower's link.
    MessageTemplate.objects.filter(key="reject", channel=Channel.PHONE).update(
        body_text="请致电借款人，告知申请未通过，并请其打开 {{ status_url }} 查看。"
    )
    drive_to(case, "rejected", people)
    send_due()

    task = StaffTask.objects.get(case=case, kind=StaffTask.Kind.PHONE_NOTICE)
    # The script is there for the officer to read out, the link as a marker.
    assert task.detail == notification_services.display_body(task.notification)
    assert "申请未通过" in task.detail
    assert settings.SITE_URL not in task.detail and "/s/" not in task.detail


# --- Admin ---------------------------------------------------------------------


@pytest.fixture
def admin_officer(client, officer):
    officer.is_staff = True
    officer.save()
    officer.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_notification", "change_notification", "view_deliveryevent", "view_stafftask"]
        )
    )
    client.force_login(officer)
    return client


def test_it_shows_the_recipient_masked_in_the_admin_and_not_in_a_form(admin_officer, case, officer):
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    notice = Notification.objects.get(case=case, channel=Channel.EMAIL)

    listing = admin_officer.get(reverse("admin:notifications_notification_changelist")).content.decode()
    page = admin_officer.get(reverse("admin:notifications_notification_change", args=[notice.pk])).content.decode()

    for html in (listing, page):
        assert MASKED_EMAIL in html
        assert EMAIL not in html
    assert 'name="recipient"' not in page


def test_it_shows_a_branch_admin_only_their_branchs_notices_events_and_tasks(
    admin_officer, case, officer, outsider, branch_b
):
    theirs = make_case(branch_b, outsider, borrower_email="lisi@example.com")
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    services.case_transition(name="sign", case=theirs, actor=outsider, at=MONDAY)
    send_due()
    for each in (case, theirs):
        staff.task_create(case=each, kind=StaffTask.Kind.CALL_BORROWER, detail="回电")

    def listed(name):
        response = admin_officer.get(reverse(f"admin:notifications_{name}_changelist"))
        assert response.status_code == 200
        return list(response.context["cl"].queryset)

    assert {n.case_id for n in listed("notification")} == {case.pk}
    assert {e.notification.case_id for e in listed("deliveryevent")} == {case.pk}
    assert {t.case_id for t in listed("stafftask")} == {case.pk}
    other = Notification.objects.filter(case=theirs).first()
    response = admin_officer.get(reverse("admin:notifications_notification_change", args=[other.pk]))
    assert response.status_code == 302  # the admin's "does not exist" redirect, nothing shown


def test_it_shows_head_office_every_branch_in_the_admin(client, head_office, case, officer, outsider, branch_b):
    head_office.is_staff = True
    head_office.save()
    head_office.user_permissions.add(*Permission.objects.filter(codename="view_notification"))
    theirs = make_case(branch_b, outsider)
    services.case_transition(name="sign", case=case, actor=officer, at=MONDAY)
    services.case_transition(name="sign", case=theirs, actor=outsider, at=MONDAY)
    client.force_login(head_office)

    response = client.get(reverse("admin:notifications_notification_changelist"))

    assert {n.case_id for n in response.context["cl"].queryset} == {case.pk, theirs.pk}


# --- Deploy checks ---------------------------------------------------------------


def deploy_warnings():
    return {problem.id for problem in run_checks(include_deployment_checks=True)}


def test_it_warns_at_deploy_when_email_or_sms_would_be_written_to_the_logs(settings, db):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.ConsoleSmsBackend"
    settings.BORROWER_LINK_KEY = ""
    assert {"notifications.W004", "notifications.W005", "borrowers.W001"} <= deploy_warnings()

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.FileSmsBackend"
    assert {"notifications.W004", "notifications.W005"} <= deploy_warnings()


def test_it_does_not_warn_with_real_backends_or_in_development(settings, db):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.HttpSmsBackend"
    settings.NOTIFICATIONS_SMS_WEBHOOK_SECRET = "secret"
    assert not {"notifications.W004", "notifications.W005"} & deploy_warnings()

    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.ConsoleSmsBackend"
    assert not {"notifications.W004", "notifications.W005"} & deploy_warnings()


def test_it_warns_at_deploy_when_the_esp_never_reports_delivery(settings, db):
    settings.DEBUG = False
    settings.ANYMAIL = {"WEBHOOK_SECRET": "tracking:secret"}
    settings.EMAIL_BACKEND = "anymail.backends.amazon_ses.EmailBackend"
    assert "notifications.W008" in deploy_warnings()
    for tracked in ("anymail.backends.mailgun.EmailBackend", "anymail.backends.postmark.EmailBackend",
                    "notifications.channels.esp.ResendEmailBackend", "notifications.channels.esp.BrevoEmailBackend"):
        settings.EMAIL_BACKEND = tracked
        assert "notifications.W008" not in deploy_warnings(), tracked


def test_it_warns_when_our_esp_backends_have_no_webhook_secret(settings, db):
    settings.ANYMAIL = {}
    settings.EMAIL_BACKEND = "notifications.channels.esp.ResendEmailBackend"
    assert "notifications.W002" in {problem.id for problem in run_checks()}


def test_it_checks_the_backends_only_when_asked_for_deploy_checks(settings, db):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert "notifications.W004" not in {problem.id for problem in run_checks()}


# --- The development console: one masked line per message ---------------------------


def test_the_console_prints_one_masked_line_per_message(case, people, settings, capsys):
    settings.EMAIL_BACKEND = "notifications.channels.console.EmailBackend"
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.ConsoleSmsBackend"
    drive_to(case, "signed", people)
    send_due()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2  # the email and the SMS of the signing, nothing else
    assert any(line.startswith("email to z") and "已完成面签" in line for line in lines)
    assert f"SMS to 138****5678: {case.number} 您已完成面签" in lines
    printed = "\n".join(lines)
    assert case.borrower_email not in printed and case.borrower_phone not in printed
    assert case.borrower_name not in printed  # no body: it names the borrower
    assert "/s/" not in printed  # and holds a working status-page link


def test_the_console_prints_whole_messages_when_asked(case, people, settings, capsys):
    settings.EMAIL_BACKEND = "notifications.channels.console.EmailBackend"
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.ConsoleSmsBackend"
    settings.NOTIFICATIONS_CONSOLE_BODIES = True
    drive_to(case, "signed", people)
    send_due()
    printed = capsys.readouterr().out
    assert "Content-Type: text/plain" in printed  # the whole MIME message
    assert "查看进度并确认收到" in printed  # the whole SMS
