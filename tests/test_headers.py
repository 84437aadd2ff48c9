"""Headers a penetration test looks at: the Content-Security-Policy on staff
pages, no-store on everything that shows personal data, no password reset."""

import pytest

from notifications.links import link_issue
from tests.base import make_case

pytestmark = pytest.mark.django_db


def policy(response):
    return dict(
        (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in response["Content-Security-Policy"].split(";"))
    )


@pytest.mark.parametrize("url", ["/", "/overdue/", "/notices/", "/search/", "/supervisor/access-log/", "/calendar/"])
def test_staff_pages_allow_only_their_own_scripts_and_styles(client, head_office, url):
    client.force_login(head_office)
    response = client.get(url)
    assert response.status_code == 200
    directives = policy(response)
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_the_login_page_and_the_api_docs_have_the_policy_too(client):
    assert "script-src 'self'" in client.get("/accounts/login/")["Content-Security-Policy"]
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert "script-src 'self'" in docs["Content-Security-Policy"]
    assert "<style>" not in docs.content.decode() and "<script>" not in docs.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/", "/overdue/", "/overdue/export.csv", "/overdue/export.xlsx", "/supervisor/access-log/export.csv", "/search/?q=HL"],
)
def test_pages_and_exports_with_personal_data_are_never_stored(client, head_office, url):
    client.force_login(head_office)
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_borrowers_page_is_never_stored_and_keeps_its_stricter_policy(client, branch_a, officer):
    case = make_case(branch_a, officer)
    _link, token = link_issue(case)
    entered = client.get(f"/s/{token}/")
    assert "no-store" in entered["Cache-Control"]
    page = client.get("/loan/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert policy(page)["default-src"] == "'none'"


def test_a_refused_form_post_is_not_stored_either(client, officer):
    client.force_login(officer)
    client.handler.enforce_csrf_checks = True
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert "no-store" in response["Cache-Control"]


def test_static_files_and_the_favicon_keep_their_cache(client):
    assert "no-store" not in client.get("/favicon.ico")["Cache-Control"]


@pytest.mark.parametrize(
    "url",
    ["/accounts/password_reset/", "/accounts/password_reset/done/", "/accounts/reset/MQ/set-password/", "/accounts/reset/done/"],
)
def test_there_is_no_self_service_password_reset(client, url):
    # The login page says to ask the branch's administrator; a reset e-mail
    # would be one more way into a staff account.
    assert client.get(url).status_code == 404


def test_the_login_page_says_who_resets_a_password(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Ask your branch's system administrator" in page.replace("&#x27;", "'")


def test_behind_a_load_balancer_the_rate_limit_counts_the_borrowers_address(client, settings):
    # Two borrowers behind one balancer: one's misses must not lock out the other.
    settings.BORROWER_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.BORROWER_LINK_MISS_LIMIT = (2, 900)
    for _ in range(3):
        client.get("/s/not-a-real-token/", HTTP_X_REAL_IP="203.0.113.7", REMOTE_ADDR="10.0.0.2")
    assert client.get("/s/not-a-real-token/", HTTP_X_REAL_IP="203.0.113.7").status_code == 429
    assert client.get("/s/not-a-real-token/", HTTP_X_REAL_IP="198.51.100.9").status_code == 404
