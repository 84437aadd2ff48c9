"""Opening the link: token for session, no token in URLs or Referers, and the
same dead end for every link that does not work."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from borrowers import conf
from notifications import links
from notifications.models import BorrowerLink
from tests.base import make_case
from tests.borrowers.conftest import open_link, without_csrf

pytestmark = pytest.mark.django_db


def test_it_stores_only_the_hash_of_a_256_bit_token(case):
    link, token = links.link_issue(case)
    assert len(token) == 43  # 32 bytes, base64url
    stored = BorrowerLink.objects.filter(pk=link.pk).values().get()
    assert token not in str(stored)
    assert stored["token_hash"] == links.hash_token(token)


def test_it_exchanges_the_token_for_a_session_and_drops_it_from_the_url(client, case):
    link, token = links.link_issue(case)
    response = client.get(reverse("borrowers:enter", args=[token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("borrowers:status")
    assert token not in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert case.number in page.content.decode()
    assert token not in page.content.decode()


def test_it_never_lets_the_token_url_be_a_referer(client, case):
    link, token = links.link_issue(case)
    for response in (
        client.get(reverse("borrowers:enter", args=[token])),
        Client().get(reverse("borrowers:enter", args=["x" * 43])),
    ):
        assert response["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response["Cache-Control"]


def test_it_sends_no_referer_to_other_sites_from_any_page(borrower):
    # same-origin, not no-referrer: with no-referrer browsers post forms with
    # "Origin: null" and CSRF protection refuses them (the browser test shows it).
    for name in ("borrowers:status", "borrowers:ask", "borrowers:find"):
        response = borrower.get(reverse(name))
        assert response["Referrer-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"]
        assert "default-src 'none'" in response["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_it_gives_a_new_session_key_on_entry(client, case):
    client.get(reverse("borrowers:find"))
    client.cookies["sessionid"] = "planted-by-someone-else"
    open_link(client, case)
    assert client.cookies["sessionid"].value != "planted-by-someone-else"


def test_it_answers_unknown_revoked_and_malformed_links_alike(client, case, django_assert_num_queries):
    old_link, revoked = links.link_issue(case)
    links.link_issue(case)
    unknown = "A" * 43
    malformed = "not-a-token"
    bodies = set()
    for token in (unknown, revoked, malformed, "x" * 300):
        # One indexed lookup each, whatever the token: no timing tell.
        with django_assert_num_queries(1):
            response = client.get(reverse("borrowers:enter", args=[token]))
        assert response.status_code == 404
        assert token.encode() not in response.content
        bodies.add(without_csrf(response.content))
    assert len(bodies) == 1
    text = bodies.pop().decode()
    assert conf.hotline() in text
    assert "sessionid" not in client.cookies


def test_it_shows_a_revoked_link_as_not_found(client, case):
    link, token = links.link_issue(case)
    links.link_revoke(case)
    response = client.get(reverse("borrowers:enter", args=[token]))
    assert response.status_code == 404


def test_it_ends_open_sessions_when_the_link_is_reissued(borrower, case):
    assert borrower.get(reverse("borrowers:status")).status_code == 200
    links.link_issue(case)  # e.g. staff re-sent the link
    response = borrower.get(reverse("borrowers:status"))
    assert response.status_code == 403
    assert case.number not in response.content.decode()


def test_it_ends_the_session_after_its_short_life(borrower, case, settings):
    session = borrower.session
    data = session["borrower"]
    data["until"] = int(time.time()) - 1
    session["borrower"] = data
    session.save()
    response = borrower.get(reverse("borrowers:status"))
    assert response.status_code == 403
    assert case.number not in response.content.decode()


def test_it_needs_a_session_for_every_case_page(client, case):
    for name in ("borrowers:status", "borrowers:ask"):
        response = client.get(reverse(name))
        assert response.status_code == 403
        assert case.number not in response.content.decode()


def test_it_rate_limits_repeated_misses_but_never_a_valid_link(client, case, settings):
    settings.BORROWER_LINK_MISS_LIMIT = (3, 60)
    link, token = links.link_issue(case)
    for _ in range(3):
        assert client.get(reverse("borrowers:enter", args=["B" * 43])).status_code == 404
    response = client.get(reverse("borrowers:enter", args=["C" * 43]))
    assert response.status_code == 429  # a scanner is slowed down
    assert case.number not in response.content.decode()
    # Behind the same carrier NAT, a real borrower's link still opens.
    assert client.get(reverse("borrowers:enter", args=[token])).status_code == 302
    assert Client(REMOTE_ADDR="10.0.0.9").get(reverse("borrowers:enter", args=[token])).status_code == 302


def test_it_never_shows_case_b_to_the_holder_of_case_a_link(client, branch_a, officer, branch_b, outsider):
    from notifications.models import Notification
    from notifications.services import notices_for_event

    case_a = make_case(branch_a, officer, borrower_phone="13911112222", borrower_email="a@example.com")
    case_b = make_case(branch_b, outsider, borrower_phone="13733334444", borrower_email="b@example.com")
    notices_for_event(case=case_b, key="progress_update")
    notice_b = Notification.objects.filter(case=case_b, channel="status_page").get()
    open_link(client, case_a)

    page = client.get(reverse("borrowers:status")).content.decode()
    assert case_a.number in page
    assert case_b.number not in page
    assert case_b.masked_phone not in page

    response = client.post(reverse("borrowers:acknowledge", args=[notice_b.pk]))
    assert response.status_code == 404
    notice_b.refresh_from_db()
    assert notice_b.acknowledged_at is None
