import pytest
from django_q.conf import Conf

from notifications.channels import sms


@pytest.fixture(autouse=True)
def backends(settings):
    """Local-memory email and SMS; every test starts with empty outboxes."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    settings.NOTIFICATIONS_EMAIL_TRACKED = False
    settings.SITE_URL = "https://loans.bank.example"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def q_sync(monkeypatch):
    """django-q2 runs queued tasks inline (its own sync mode)."""
    monkeypatch.setattr(Conf, "SYNC", True)


