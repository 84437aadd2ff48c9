import os
import subprocess
import sys
import tempfile

from django.contrib.staticfiles import finders
from django.urls import reverse

from cases.models import CaseTransition
from cases.services import case_transition

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_admin_shows_cases_with_state_and_id_read_only(client, django_user_model, case, officer):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x-pass-2026-long")
    case_transition(name="sign", case=case, actor=officer)
    client.force_login(admin)
    page = client.get(reverse("admin:cases_loancase_change", args=[case.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    # State, deadline and ID number cannot be edited here; the ID is masked.
    assert 'name="status"' not in body
    assert 'name="due_at' not in body
    assert case.borrower_id_number not in body
    assert case.masked_id_number in body
    assert client.get(reverse("admin:cases_loancase_add")).status_code == 403
    assert client.get(reverse("admin:cases_loancase_changelist")).status_code == 200


def test_admin_cannot_change_or_delete_audit_rows(client, django_user_model, case, officer):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x-pass-2026-long")
    record = case_transition(name="sign", case=case, actor=officer)
    client.force_login(admin)
    url = reverse("admin:cases_casetransition_change", args=[record.pk])
    assert client.get(url).status_code == 200  # view only
    client.post(url, {"reason": "edited"})
    assert client.post(reverse("admin:cases_casetransition_delete", args=[record.pk])).status_code == 403
    assert CaseTransition.objects.get(pk=record.pk).reason == record.reason


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "loanflow.settings",
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "production-like-secret-key-with-enough-entropy-9f8e7d6c5b4a",
    "BORROWER_LINK_KEY": "y" * 20 + "separate-borrower-link-key-kept-in-a-vault-1a2b3c",
    "ALLOWED_HOSTS": "loans.bank.example",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "NOTIFICATIONS_SMS_BACKEND": "notifications.channels.sms.HttpSmsBackend",
    "NOTIFICATIONS_SMS_GATEWAY_URL": "https://sms-gateway.bank.example/send",
    "NOTIFICATIONS_SMS_WEBHOOK_SECRET": "z" * 40,
    "METRICS_TOKEN": "m" * 40,
    "CACHE_URL": "redis://127.0.0.1:6379/9",
}


def deploy_check(**overrides):
    env = {**os.environ, **PRODUCTION_ENV, **overrides}
    for name in ("LOANFLOW_ALLOW_DEV_KEY", "SECURE_SSL_REDIRECT", "SECURE_COOKIES", "DATABASE_URL",
                 "DJANGO_ALLOW_ASYNC_UNSAFE", "STATICFILES_BACKEND"):
        env.pop(name, None)
    # An empty database, not a developer's db.sqlite3: the calendar check
    # (cases.W001/W002, tested in test_calendar) depends on what is stored.
    env["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/deploy-check.sqlite3"
    env = {key: value for key, value in env.items() if value is not None}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def test_deploy_check_is_clean_with_production_settings():
    # A real process with production settings from the environment, as a
    # deployment runs it. (Development defaults left in place are caught by
    # the same checks: tested in-process in notifications/test_personal_data.)
    code, output = deploy_check()
    assert code == 0, output
    assert "WARNINGS:" not in output and "ERRORS:" not in output, output


def test_deploy_check_is_clean_with_the_real_backends_of_a_bank():
    # A Mailgun account with signed webhooks, and Redis as broker and cache:
    # what production runs on (the checks do not depend on the database).
    real = {
        "EMAIL_BACKEND": "anymail.backends.mailgun.EmailBackend",
        "MAILGUN_API_KEY": "key-" + "m" * 32,
        "MAILGUN_WEBHOOK_SIGNING_KEY": "s" * 32,
        "ANYMAIL_WEBHOOK_SECRET": "tracking:" + "w" * 32,
        "CACHE_URL": "redis://127.0.0.1:6379/9",
        "Q_BROKER_URL": "redis://127.0.0.1:6379/9",
    }
    code, output = deploy_check(**real)
    assert code == 0, output
    assert "WARNINGS:" not in output and "ERRORS:" not in output, output


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "loanflow.settings", "DEBUG": "0"}
    for name in ("LOANFLOW_ALLOW_DEV_KEY", "SECRET_KEY"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_admin_shows_a_branch_admin_only_their_branch(client, branch_a, branch_b, officer, outsider):
    from django.contrib.auth.models import Permission

    from tests.base import make_case

    mine, theirs = make_case(branch_a, officer), make_case(branch_b, outsider)
    record = case_transition(name="sign", case=theirs, actor=outsider)
    officer.is_staff = True
    officer.save()
    officer.user_permissions.add(*Permission.objects.filter(codename__in=["view_loancase", "view_casetransition"]))
    client.force_login(officer)
    cases_page = client.get(reverse("admin:cases_loancase_changelist")).content.decode()
    assert mine.number in cases_page and theirs.number not in cases_page
    assert client.get(reverse("admin:cases_loancase_change", args=[theirs.pk])).status_code == 302
    assert client.get(reverse("admin:cases_casetransition_change", args=[record.pk])).status_code == 302
    # Contact details are masked, not editable.
    page = client.get(reverse("admin:cases_loancase_change", args=[mine.pk])).content.decode()
    assert mine.borrower_phone not in page and mine.borrower_email not in page
    assert 'name="loan_amount"' not in page


def test_the_admin_names_every_section_in_chinese(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@bank.example", "pw-for-the-test-1")
    client.force_login(admin)
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # django-axes ships no Chinese, django-q2's section was named "Django Q".
    assert "登录锁定" in page and "登录尝试" in page
    assert "后台任务" in page
    assert "贷款进度通" in page and "Django" not in page  # the site's own name
    assert "Axes" not in page and "Access attempts" not in page


def test_favicon_is_served_from_the_app(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("favicon.svg")
    # collectstatic ships it (no CDN, nothing fetched at run time).
    assert "<svg" in open(finders.find("favicon.svg"), encoding="utf-8").read()
