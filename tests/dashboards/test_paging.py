"""Staff lists page the same way whatever the query string holds (no 500 from ?page= or ?per_page=)."""

import datetime

import pytest

from tests.base import MONDAY, make_case

pytestmark = pytest.mark.django_db

LISTS = ["/", "/overdue/", "/notices/", "/supervisor/bulk/", "/supervisor/access-log/", "/search/"]
HOSTILE = [
    "page=99999999999999999999999",
    "page=-1",
    "page=0",
    "page=abc",
    "per_page=-2",
    "per_page=100000000",
    "sort=nonsense",
]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("query", HOSTILE)
def test_a_hostile_page_parameter_shows_a_page_not_an_error(client, head_office, url, query):
    client.force_login(head_office)
    client.raise_request_exception = False
    response = client.get(f"{url}?{query}")
    assert response.status_code == 200, (url, query, response.status_code)


def test_the_page_size_is_the_lists_own_and_a_page_past_the_end_shows_the_first(client, branch_a, officer):
    numbers = [make_case(branch_a, officer, at=MONDAY - datetime.timedelta(days=30 + i)).number for i in range(27)]
    client.force_login(officer)

    asked_for_many = client.get("/overdue/?per_page=100000").content.decode()
    assert sum(number in asked_for_many for number in numbers) == 25

    asked_for_few = client.get("/overdue/?per_page=-2").content.decode()
    assert sum(number in asked_for_few for number in numbers) == 25

    second = client.get("/overdue/?page=2").content.decode()
    assert sum(number in second for number in numbers) == 2

    beyond = client.get("/overdue/?page=99999999999999999999999").content.decode()
    assert sum(number in beyond for number in numbers) == 25
