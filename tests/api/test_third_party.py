"""The API as a bank's loan origination system would use it: a token from
the bank's administrator, the served OpenAPI schema, and nothing else (no
knowledge of URLs or of our code). Over real HTTP, on SQLite and PostgreSQL."""

import pytest
import requests

from cases.models import CaseTransition
from tests.api.conftest import new_case_body, new_client

pytestmark = pytest.mark.django_db(transaction=True)


class SchemaClient:
    """Finds each operation in the served schema by its operationId."""

    def __init__(self, base, token):
        self.base = base
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        schema = requests.get(f"{base}/api/v1/schema/", params={"format": "json"}, timeout=10).json()
        self.operations = {
            op["operationId"]: (path, method.upper())
            for path, item in schema["paths"].items()
            for method, op in item.items()
        }

    def call(self, operation_id, body=None, headers=None, **path):
        template, method = self.operations[operation_id]
        url = self.base + template.format(**path)
        return self.http.request(method, url, json=body, headers=headers or {}, timeout=10)


def test_a_third_party_client_creates_a_case_fires_a_transition_and_replays_it(live_server, branch_a, officer):
    _client, token = new_client(branch_a)  # what manage.py api_client_create gives the bank's admin
    api = SchemaClient(live_server.url, token)

    created = api.call("cases_create", body=new_case_body(external_ref="LOS-42"), headers={"Idempotency-Key": "c-42"})
    assert created.status_code == 201, created.text
    case = created.json()
    assert case["state"] == "submitted" and case["external_ref"] == "LOS-42"
    assert case["borrower"]["id_number"].count("*") == 8  # masked
    number = case["number"]

    sign = {"name": "sign", "expected_state": "submitted"}
    first = api.call("cases_transition", body=sign, headers={"Idempotency-Key": "sign-42"}, number=number)
    assert first.status_code == 200, first.text
    assert first.json()["state"] == "signed"
    # The network dropped the answer; the client sends the same request again.
    again = api.call("cases_transition", body=sign, headers={"Idempotency-Key": "sign-42"}, number=number)
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert CaseTransition.objects.filter(case__number=number).count() == 1  # one audit row, not two

    # Without the key, the same request is a new one, refused by the state machine.
    refused = api.call("cases_transition", body=sign, number=number)
    assert refused.status_code == 409
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "conflict"

    timeline = api.call("cases_read", number=number).json()
    assert [(t["transition"], t["source"], t["target"]) for t in timeline["timeline"]] == [("sign", "submitted", "signed")]
    assert {n["channel"] for n in timeline["notices"]} == {"email", "sms", "status_page"}
    assert all(n["news"] == "sign" for n in timeline["notices"])

    listed = api.call("cases_list").json()
    assert [c["number"] for c in listed["results"]] == [number]
