"""Every borrower form needs its CSRF token; without it nothing changes."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from notifications import links
from notifications.models import Channel, Notification, StaffTask
from tests.base import drive_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict(case):
    client = Client(enforce_csrf_checks=True)
    link, token = links.link_issue(case)
    assert client.get(reverse("borrowers:enter", args=[token])).status_code == 302
    return client


def test_it_refuses_every_form_without_the_token(strict, case, people):
    drive_to(case, "signed", people)
    notice = Notification.objects.get(case=case, key="sign", channel=Channel.STATUS_PAGE)
    posts = [
        (reverse("borrowers:acknowledge", args=[notice.pk]), {}),
        (reverse("borrowers:verify"), {"id_last4": case.borrower_id_number[-4:]}),
        (reverse("borrowers:ask"), {"text": "问题", "callback_time": "any", "submission": str(uuid.uuid4())}),
        (reverse("borrowers:find"), {"case_number": case.number, "phone": "13812345678"}),
        (reverse("borrowers:language"), {"language": "en"}),
        (reverse("borrowers:leave"), {}),
    ]
    for url, data in posts:
        assert strict.post(url, data).status_code == 403, url
    notice.refresh_from_db()
    assert notice.acknowledged_at is None
    assert not StaffTask.objects.exists()
    assert not Notification.objects.filter(key="status_link").exists()
    assert "django_language" not in strict.cookies
    assert strict.get(reverse("borrowers:status")).status_code == 200  # still in, still masked
    assert "1,200,000" not in strict.get(reverse("borrowers:status")).content.decode()


def test_it_accepts_the_forms_with_the_token(strict, case, people):
    drive_to(case, "signed", people)
    notice = Notification.objects.get(case=case, key="sign", channel=Channel.STATUS_PAGE)
    strict.get(reverse("borrowers:status"))
    token = strict.cookies["csrftoken"].value
    response = strict.post(reverse("borrowers:acknowledge", args=[notice.pk]), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None
