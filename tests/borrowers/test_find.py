"""Lost the link: same answer whether or not anything matched; rate-limited."""

import pytest
from django.test import Client
from django.urls import reverse
from django_q.conf import Conf
from django_q.models import OrmQ

from borrowers import services, tasks
from notifications import links
from notifications.models import BorrowerLink, Notification
from tests.borrowers.conftest import without_csrf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def worker_inline(monkeypatch):
    """The lookup runs in the worker; here django-q2 runs it inline."""
    monkeypatch.setattr(Conf, "SYNC", True)


def find(client, number, phone):
    return client.post(reverse("borrowers:find"), {"case_number": number, "phone": phone}, follow=True)


def test_it_sends_a_fresh_link_by_sms_when_number_and_phone_match(client, case):
    old_link, old_token = links.link_issue(case)
    response = find(client, case.number.lower(), "138 1234 5678")
    assert response.status_code == 200
    sms = Notification.objects.get(case=case, key="status_link")
    assert sms.channel == "sms"
    assert sms.recipient == case.borrower_phone
    # The old link is rotated out.
    assert client.get(reverse("borrowers:enter", args=[old_token])).status_code == 404
    assert BorrowerLink.objects.filter(case=case, revoked_at__isnull=True).count() == 1


def test_it_answers_the_same_whether_or_not_anything_matched(case):
    matched = find(Client(), case.number, "13812345678")
    wrong_phone = find(Client(), case.number, "13900001111")
    no_case = find(Client(), "HL-2026-999999", "13812345678")
    assert matched.redirect_chain == wrong_phone.redirect_chain == no_case.redirect_chain
    assert without_csrf(matched.content) == without_csrf(wrong_phone.content) == without_csrf(no_case.content)
    assert Notification.objects.filter(key="status_link").count() == 1


def test_it_explains_a_badly_typed_case_number_and_sends_nothing(client, case):
    response = find(client, "2026-12", "13812345678")
    assert "HL-2026-000123" in response.content.decode()
    assert not Notification.objects.filter(key="status_link").exists()


def test_it_accepts_full_width_digits_from_a_chinese_keyboard(client, case):
    find(client, case.number, "１３８１２３４５６７８")
    assert Notification.objects.filter(key="status_link").count() == 1


def test_it_rate_limits_per_address(case, settings):
    settings.BORROWER_FIND_IP_LIMIT = (2, 3600)
    client = Client(REMOTE_ADDR="192.0.2.1")
    find(client, "HL-2026-000777", "13900001111")
    find(client, "HL-2026-000778", "13900001111")
    response = find(client, case.number, "13812345678")
    assert response.status_code == 429
    assert not Notification.objects.filter(key="status_link").exists()


def test_it_rate_limits_per_case_number_across_addresses(case, settings):
    settings.BORROWER_FIND_CASE_LIMIT = (2, 3600)
    for n in range(2):
        find(Client(REMOTE_ADDR=f"192.0.2.{n + 10}"), case.number, "13900001111")
    response = find(Client(REMOTE_ADDR="192.0.2.99"), case.number, "13812345678")
    assert response.status_code == 429
    assert not Notification.objects.filter(key="status_link").exists()


def test_the_request_does_the_same_work_whether_or_not_anything_matched(case, monkeypatch):
    # Timing would tell a caller which mobile belongs to which case: the
    # request only queues the lookup (with a digest, not the number), the
    # same one task either way, and writes nothing else.
    monkeypatch.setattr(Conf, "SYNC", False)
    for phone in ("13812345678", "13900001111"):
        OrmQ.objects.all().delete()
        find(Client(), case.number, phone)
        queued = list(OrmQ.objects.all())
        assert len(queued) == 1 and queued[0].task["func"] == "borrowers.tasks.send_found_link"
        assert phone not in str(queued[0].task["args"])
        assert not Notification.objects.filter(key="status_link").exists()


def test_the_task_table_does_not_say_whether_anything_matched(case):
    # django-q2 stores each task's result where the admin can read it.
    from_match = tasks.send_found_link(case.number, services.phone_digest("13812345678"))
    from_miss = tasks.send_found_link(case.number, services.phone_digest("13900001111"))
    assert from_match is None and from_miss is None
