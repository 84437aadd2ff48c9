"""A NUL (U+0000) anywhere in a request is a 400 that says so in Chinese
and English, and writes nothing: in the path, the query string, a cookie, a
form field, a JSON body. On PostgreSQL it would otherwise reach a query and
raise ValueError ("A string literal cannot contain NUL"), a 500."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.api.conftest import new_client
from tests.fuzz.conftest import FEW, client_for, text, with_nul

pytestmark = pytest.mark.django_db


def assert_refused_for_nul(response):
    assert response.status_code == 400
    page = response.content.decode()
    assert "空字符" in page and "NUL character" in page


LIST_PAGES = [("cases:overdue", "supervisor"), ("cases:notices", "supervisor"), ("cases:home", "officer"),
              ("cases:report", "supervisor"), ("cases:bulk", "supervisor"), ("cases:access_log", "supervisor"),
              ("cases:calendar_go", "head_office")]


def test_a_nul_in_any_list_parameter_is_a_400_with_nothing_written(world, check):
    clients = {role: client_for(world["people"][role]) for role in ("officer", "supervisor", "head_office")}

    @FEW
    @given(page=st.sampled_from(LIST_PAGES), key=st.sampled_from(["page", "sort", "status", "branch", "start", "q"]),
           value=with_nul, nul_in_key=st.booleans())
    def run(page, key, value, nul_in_key):
        name, role = page
        query = {f"{key}\x00": "1"} if nul_in_key else {key: value}
        assert_refused_for_nul(check(lambda: clients[role].get(reverse(name), query)))

    run()


@pytest.mark.parametrize("name, args, role, data", [
    ("cases:search", [], "officer", {"q": "张\x00"}),
    ("cases:transition", ["CASE"], "officer", {"name": "reject", "seen_status": "under_review", "reason": "\x00"}),
    ("cases:correct_contact", ["CASE"], "officer",
     {"field": "phone", "value": "139\x0000000000", "value_again": "139\x0000000000", "note": "x"}),
    ("cases:new", [], "officer", {"borrower_name": "王\x00五"}),
    ("cases:bulk", [], "supervisor", {"action": "hold", "reason": "x", "cases": ["\x00"]}),
    ("cases:calendar_edit", [2027], "head_office", {"status": "announced", "days": "2027-10-01, 休, \x00"}),
])
def test_a_nul_in_a_staff_form_is_a_400_with_nothing_written(world, check, name, args, role, data):
    client = client_for(world["people"][role])
    args = [world["case"].number if arg == "CASE" else arg for arg in args]
    assert_refused_for_nul(check(lambda: client.post(reverse(name, args=args), data)))


def test_a_nul_in_the_public_forms_is_a_400_with_nothing_written(world, check):
    client = Client()
    assert_refused_for_nul(check(lambda: client.post(reverse("login"), {"username": "officer\x00", "password": "x"})))
    assert_refused_for_nul(check(lambda: client.post(reverse("borrowers:find"),
                                                     {"case_number": world["case"].number, "phone": "138\x00"})))
    assert client.get(reverse("borrowers:enter", args=[world["token"]])).status_code == 302
    assert_refused_for_nul(check(lambda: client.post(reverse("borrowers:ask"), {
        "text": "问题\x00", "callback_time": "any", "submission": "7f9c7c8e-2f37-4b0b-9c39-0d0d6f2a0002"})))
    assert_refused_for_nul(check(lambda: client.post(reverse("borrowers:verify"), {"id_last4": "\x00002"})))


@pytest.mark.parametrize("path", ["/cases/%00/", "/s/abc%00def/", "/loan/questions/1/%00", "/admin/cases/%00/",
                                  "/api/v1/cases/HL%00/"])
def test_a_nul_in_the_path_is_a_400(world, path):
    client = client_for(world["people"]["officer"])
    assert client.get(path).status_code == 400


def test_a_nul_in_a_cookie_is_a_400_before_the_session_is_read(world):
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    assert_refused_for_nul(client.get(reverse("login")))


def test_a_nul_in_a_json_body_is_a_400_for_the_api_as_a_problem_document(world, branch_a, check):
    _api_client, token = new_client(branch_a)
    body = json.dumps({"name": "sign", "reason": "a\x00b"})
    response = check(lambda: Client().post(
        reverse("api:case_transition", args=[world["case"].number]), data=body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}"))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "nul_character"
    assert Client().get("/api/v1/cases/?state=%00", HTTP_AUTHORIZATION=f"Bearer {token}").json()["status"] == 400


@pytest.mark.parametrize("url", ["/notifications/sms/receipts/", "/notifications/email/postmark/tracking/",
                                 "/notifications/email/mailgun/tracking/"])
def test_a_nul_in_a_webhooks_json_is_a_400_with_nothing_written(world, settings, check, url):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "u:p", "MAILGUN_WEBHOOK_SIGNING_KEY": "k"}
    settings.NOTIFICATIONS_SMS_WEBHOOK_SECRET = "s"
    body = json.dumps({"RecordType": "Delivery", "MessageID": "\x00", "event_id": "\x00", "message_id": "x",
                       "status": "delivered"})
    response = check(lambda: Client().post(url, data=body, content_type="application/json"))
    assert response.status_code == 400


@FEW
@given(value=text)
def test_text_without_a_nul_is_not_refused_for_one(value):
    # The check refuses NUL only: Chinese, emoji, RTL marks and escapes pass.
    response = Client().get(reverse("login"), {"next": value + "\\u0000"})
    assert response.status_code == 200
