"""Branch scope: a client of branch A cannot tell branch B's cases exist.
Every operation of the served schema that names a case is tried on a case
of branch B: each answers 404, and nothing is written."""

import pytest
from django.test import Client

from cases.models import CaseAccessLog, CaseTransition, ContactCorrection, LoanCase
from notifications.models import Notification
from tests.api.conftest import Api, new_case_body, new_client
from tests.base import make_case

pytestmark = pytest.mark.django_db

BODIES = {
    "cases_transition": {"name": "sign"},
    "cases_correct_contact": {"field": "phone", "value": "13900001111"},
}


def written():
    return (LoanCase.objects.count(), CaseTransition.objects.count(), ContactCorrection.objects.count(),
            Notification.objects.count(), CaseAccessLog.objects.count())


def test_every_case_operation_answers_404_for_another_branchs_case(los, branch_b, outsider):
    other = make_case(branch_b, outsider)
    schema = Client().get("/api/v1/schema/", {"format": "json"}).json()
    tried = []
    before = written()
    for path, item in schema["paths"].items():
        if "{number}" not in path:
            continue
        for method, operation in item.items():
            url = path.format(number=other.number)
            body = BODIES.get(operation["operationId"], {})
            response = los.get(url) if method == "get" else los.post(url, body)
            assert response.status_code == 404, (operation["operationId"], response.content)
            assert response.json()["code"] == "not_found"
            tried.append(operation["operationId"])
    assert set(tried) == {"cases_read", "cases_transition", "cases_correct_contact"}
    assert written() == before


def test_the_list_never_shows_another_branchs_cases(los, branch_a, branch_b, officer, outsider):
    mine = make_case(branch_a, officer)
    make_case(branch_b, outsider)
    assert [c["number"] for c in los.get("/api/v1/cases/").json()["results"]] == [mine.number]
    assert los.get("/api/v1/cases/", branch="B").status_code == 404  # as if there were no branch B


def test_a_client_cannot_open_a_case_in_another_branch(los, branch_b, outsider):
    response = los.post("/api/v1/cases/", new_case_body(branch="B", officer="outsider"))
    assert response.status_code == 400 and "branch" in response.json()["errors"]
    assert not LoanCase.objects.exists()


def test_a_client_past_its_rate_gets_a_429_problem_and_others_go_on(settings, branch_a):
    settings.API_RATE_LIMIT = "3/min"
    _busy, busy_token = new_client(branch_a, name="busy LOS")
    _calm, calm_token = new_client(branch_a, name="calm LOS")
    busy, calm = Api(busy_token), Api(calm_token)
    assert [busy.get("/api/v1/cases/").status_code for _ in range(3)] == [200, 200, 200]
    refused = busy.get("/api/v1/cases/")
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert calm.get("/api/v1/cases/").status_code == 200
