"""System checks: settings that would silently lose or expose notices."""

from django.conf import settings
from django.core.checks import Warning, register

from notifications.conf import conf


@register()
def check_notification_settings(app_configs, **kwargs):
    problems = []
    q_timeout = getattr(settings, "Q_CLUSTER", {}).get("timeout", 60)
    if conf.CLAIM_TIMEOUT <= q_timeout:
        problems.append(
            Warning(
                "NOTIFICATIONS_CLAIM_TIMEOUT must exceed Q_CLUSTER['timeout'], or a live send can be sent again.",
                id="notifications.W001",
            )
        )
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    if settings.EMAIL_BACKEND.startswith("anymail.") and not anymail.get("WEBHOOK_SECRET"):
        problems.append(
            Warning(
                "ANYMAIL['WEBHOOK_SECRET'] is empty: email tracking webhooks will be ignored.",
                id="notifications.W002",
            )
        )
    if conf.SMS_BACKEND.endswith("HttpSmsBackend") and not conf.SMS_WEBHOOK_SECRET:
        problems.append(
            Warning(
                "NOTIFICATIONS_SMS_WEBHOOK_SECRET is empty: SMS delivery receipts will be refused.",
                id="notifications.W003",
            )
        )
    return problems
