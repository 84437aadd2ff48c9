import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from notifications import links


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # Rate-limit counters live in the cache; each test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(officer, supervisor):
    return {"officer": officer, "supervisor": supervisor}


def open_link(client, case):
    """Open the case's status page link as the borrower would; returns the token."""
    link, token = links.link_issue(case)
    response = client.get(reverse("borrowers:enter", args=[token]))
    assert response.status_code == 302
    return token


@pytest.fixture
def borrower(client, case):
    """A browser that opened the link of `case`."""
    open_link(client, case)
    return client


def without_csrf(content: bytes) -> bytes:
    """A page with its per-response CSRF token blanked, to compare two pages."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)
