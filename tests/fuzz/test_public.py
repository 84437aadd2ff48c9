"""The pages anyone can reach: the staff login, the language switch, and the
borrower's side (the link /s/<token>/, find-my-application, and with a
borrower's session the status page, acknowledgement, ID check and
question forms)."""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.base import PASSWORD
from tests.fuzz.conftest import FEW, FUZZ, TYPED, any_value, client_for, text
from tests.fuzz.registry import covers

pytestmark = pytest.mark.django_db

big_ids = st.integers(min_value=0, max_value=2**70)


@covers("login", "logout")
def test_the_login_form_never_answers_500(world, check):
    client = Client()

    @FUZZ
    @given(
        username=st.one_of(st.sampled_from(["officer", "root", ""]), text, any_value),
        password=st.one_of(st.just(PASSWORD), text, any_value),
        next_url=st.one_of(st.just(""), st.sampled_from(["/", "//evil.example/", "https://evil.example/", "/admin/"]),
                           text),
        logout=st.booleans(),
    )
    def run(username, password, next_url, logout):
        if logout:
            check(lambda: client.post(reverse("logout")))
        response = check(lambda: client.post(reverse("login") + "?next=" + quote(next_url),
                                             {"username": username, "password": password}))
        # Never an open redirect, whatever `next` says.
        if response.status_code == 302:
            assert response["Location"].startswith("/") and not response["Location"].startswith("//")

    run()
    assert Client().get(reverse("login"), {"next": "/x/\u202e"}).status_code == 200


@covers("set_language", "route:favicon.ico")
def test_the_language_switches_never_answer_500(world, check):
    client = Client()

    @FEW
    @given(language=st.one_of(st.sampled_from(["en", "zh-hans", "xx", ""]), text), next_url=text)
    def run(language, next_url):
        check(lambda: client.post(reverse("set_language"), {"language": language, "next": next_url}))

    run()
    assert client.get("/favicon.ico").status_code == 302


@covers("borrowers:enter")
def test_a_link_token_of_any_shape_is_a_404_not_a_500(world, check):
    client = Client()

    @FUZZ
    @given(token=st.one_of(text.filter(bool), st.text(st.sampled_from("ABCdef0123-_"), min_size=40, max_size=50),
                           any_value.filter(bool)))
    def run(token):
        response = check(lambda: client.get(f"/s/{quote(token, safe='')}/"))
        assert response.status_code in (404, 429, 302)

    run()
    # The real token still opens the page.
    assert client.get(reverse("borrowers:enter", args=[world["token"]])).status_code == 302


@covers("borrowers:find", "borrowers:find_sent")
def test_find_my_application_never_answers_500_and_writes_nothing_it_refuses(world, check):
    client = Client()

    @FUZZ
    @given(
        case_number=st.one_of(st.just(world["case"].number), st.sampled_from(["HL-2026-000001", "ＨＬ－２０２６－０００００１"]),
                              text, any_value),
        phone=st.one_of(st.sampled_from(["13812345678", "１３８１２３４５６７８", "+86 138 1234 5678"]), text, any_value),
    )
    def run(case_number, phone):
        check(lambda: client.post(reverse("borrowers:find"), {"case_number": case_number, "phone": phone}))

    run()
    assert client.get(reverse("borrowers:find_sent")).status_code == 200


def borrower(world):
    client = Client()
    assert client.get(reverse("borrowers:enter", args=[world["token"]])).status_code == 302
    return client


@covers("borrowers:status", "borrowers:acknowledge", "borrowers:verify", "borrowers:question", "borrowers:leave",
        "borrowers:language")
def test_the_borrowers_pages_never_answer_500(world, check):
    client = borrower(world)

    @FUZZ
    @given(
        page=st.sampled_from(["status", "acknowledge", "verify", "question", "language"]),
        pk=st.one_of(st.just(world["notice"].pk), st.just(world["question"].pk), big_ids),
        value=st.one_of(st.sampled_from(["002X", "002x", "００２Ｘ", "1234"]), text, any_value),
        query=st.dictionaries(text, text, max_size=2),
    )
    def run(page, pk, value, query):
        if page == "status":
            check(lambda: client.get(reverse("borrowers:status"), query))
        elif page == "acknowledge":
            check(lambda: client.post(reverse("borrowers:acknowledge", args=[pk])))
        elif page == "verify":
            check(lambda: client.post(reverse("borrowers:verify"), {"id_last4": value}))
        elif page == "question":
            check(lambda: client.get(reverse("borrowers:question", args=[pk])))
        else:
            check(lambda: client.post(reverse("borrowers:language"), {"language": value, "next": value}))

    run()
    assert client.post(reverse("borrowers:leave")).status_code == 200
    assert Client().post(reverse("borrowers:leave")).status_code == 200


@covers("borrowers:ask")
def test_the_question_form_never_answers_500_and_writes_nothing_it_refuses(world, check):
    client = borrower(world)

    @FUZZ
    @given(
        question=st.one_of(text, st.text(TYPED, min_size=990, max_size=1100), any_value),
        callback_time=st.one_of(st.sampled_from(["any", "morning", "afternoon", "no_call"]), text),
        submission=st.one_of(st.uuids().map(str), text),
    )
    def run(question, callback_time, submission):
        check(lambda: client.post(reverse("borrowers:ask"),
                                  {"text": question, "callback_time": callback_time, "submission": submission}))

    run()


@covers("ops:healthz", "ops:metrics", "ops:status")
def test_the_operations_pages_never_answer_500(world, check):
    clients = [Client(), client_for(world["people"]["head_office"]), client_for(world["people"]["officer"])]

    @FEW
    @given(name=st.sampled_from(["ops:healthz", "ops:metrics", "ops:status"]), who=st.sampled_from([0, 1, 2]),
           query=st.dictionaries(st.one_of(st.sampled_from(["format", "page", "verbose"]), text), any_value, max_size=3),
           method=st.sampled_from(["get", "head", "post"]))
    def run(name, who, query, method):
        check(lambda: getattr(clients[who], method)(reverse(name), query))

    run()


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_username_longer_than_the_lockout_column_is_a_failed_login_not_a_500(world, url):
    # django-axes stores the username in 255 characters; on PostgreSQL a
    # longer one failed the insert.
    response = Client().post(url, {"username": "a" * 300, "password": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors
