"""The API's endpoints: validation and refusals as problem documents,
idempotency, cursor pagination and filters, tokens."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from api import idempotency
from api import services as api_services
from api.models import ApiClient, IdempotencyKey
from cases.models import CaseTransition, ContactCorrection, LoanCase
from notifications import staff
from tests.api.conftest import Api, new_case_body, new_client
from tests.base import make_case, requires_postgres

pytestmark = pytest.mark.django_db


def problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["type"] == f"urn:loanflow:problem:{code}"
    return body


# --- Opening cases ---------------------------------------------------------------------


def test_bad_input_names_every_field_and_writes_nothing(los, officer):
    body = new_case_body(borrower_id_number="110105199001010011", borrower_phone="12345", loan_amount="-5",
                         officer="nobody")
    errors = problem(los.post("/api/v1/cases/", body), 400, "invalid")["errors"]
    assert set(errors) == {"borrower_id_number", "borrower_phone", "loan_amount", "officer"}
    assert "check character" in errors["borrower_id_number"][0]
    assert not LoanCase.objects.exists()


def test_errors_are_in_the_callers_language(branch_a, officer):
    _client, token = new_client(branch_a)
    chinese = Api(token, language="zh-hans")
    errors = problem(chinese.post("/api/v1/cases/", new_case_body(loan_amount="abc")), 400, "invalid")["errors"]
    assert errors["loan_amount"] == ["请填写以元为单位、大于 0 的金额，例如 1200000.00。"]


def test_the_same_external_reference_is_not_opened_twice(los, officer):
    first = los.post("/api/v1/cases/", new_case_body(external_ref="LOS-7")).json()
    body = problem(los.post("/api/v1/cases/", new_case_body(external_ref="LOS-7")), 409, "duplicate")
    assert first["number"] in body["errors"]["external_ref"][0]
    assert LoanCase.objects.count() == 1


def test_a_client_not_allowed_to_open_cases_is_refused(branch_a, officer):
    _client, token = new_client(branch_a, may_create=False)
    problem(Api(token).post("/api/v1/cases/", new_case_body()), 403, "permission")
    assert not LoanCase.objects.exists()


def test_a_head_office_client_must_name_the_branch(branch_a, officer):
    _client, token = new_client(None, name="HQ LOS")
    api = Api(token)
    assert "branch" in problem(api.post("/api/v1/cases/", new_case_body()), 400, "invalid")["errors"]
    assert api.post("/api/v1/cases/", new_case_body(branch="A")).status_code == 201


# --- Transitions -------------------------------------------------------------------------


def test_refusals_carry_the_services_codes(los, branch_a, officer):
    case = make_case(branch_a, officer)
    url = f"/api/v1/cases/{case.number}/transitions/"
    problem(los.post(url, {"name": "approve"}), 409, "wrong_state")
    problem(los.post(url, {"name": "withdraw"}), 400, "reason_required")
    problem(los.post(url, {"name": "sign", "expected_state": "signed"}), 409, "conflict")
    assert los.post(url, {"name": "sign"}).status_code == 200
    assert los.post(url, {"name": "start_review"}).status_code == 200
    # Four eyes: the system that signed may not approve.
    problem(los.post(url, {"name": "approve"}), 403, "four_eyes")
    assert CaseTransition.objects.filter(case=case).count() == 2


def test_a_client_fires_only_the_transitions_it_was_given(branch_a, officer):
    case = make_case(branch_a, officer)
    _client, token = new_client(branch_a, transitions=["sign"])
    api = Api(token)
    problem(api.post(f"/api/v1/cases/{case.number}/transitions/", {"name": "withdraw", "reason": "x"}), 403,
            "permission")
    assert api.post(f"/api/v1/cases/{case.number}/transitions/", {"name": "sign"}).status_code == 200


def test_documents_are_asked_for_by_name(los, branch_a, officer, people):
    case = make_case(branch_a, officer)
    url = f"/api/v1/cases/{case.number}/transitions/"
    los.post(url, {"name": "sign"})
    los.post(url, {"name": "start_review"})
    problem(los.post(url, {"name": "request_documents", "reason": "材料不全", "documents": [" "]}), 400, "invalid")
    done = los.post(url, {"name": "request_documents", "reason": "材料不全", "documents": ["收入证明"]})
    assert done.json()["state"] == "documents_requested"
    assert LoanCase.objects.get(pk=case.pk).documents_outstanding == ["收入证明"]


# --- Contact correction -----------------------------------------------------------------


def test_a_contact_is_corrected_through_the_contact_service(los, branch_a, officer):
    case = make_case(branch_a, officer)
    url = f"/api/v1/cases/{case.number}/contact/"
    problem(los.post(url, {"field": "phone", "value": "123"}), 400, "invalid")
    done = los.post(url, {"field": "phone", "value": "13900001111", "note": "借款人来电核实"})
    assert done.status_code == 200 and done.json()["borrower"]["phone"] == "139****1111"
    correction = ContactCorrection.objects.get(case=case)
    assert (correction.old_masked, correction.new_masked) == ("138****5678", "139****1111")


# --- Idempotency --------------------------------------------------------------------------


def test_a_key_reused_with_another_body_is_refused(los, officer):
    assert los.post("/api/v1/cases/", new_case_body(external_ref="A1"), **{"Idempotency-Key": "k"}).status_code == 201
    problem(los.post("/api/v1/cases/", new_case_body(external_ref="A2"), **{"Idempotency-Key": "k"}), 422,
            "idempotency_key_reused")
    assert LoanCase.objects.count() == 1


def test_a_refused_write_keeps_no_key_so_a_corrected_retry_works(los, officer):
    problem(los.post("/api/v1/cases/", new_case_body(loan_amount="x"), **{"Idempotency-Key": "k"}), 400, "invalid")
    assert not IdempotencyKey.objects.exists()
    assert los.post("/api/v1/cases/", new_case_body(), **{"Idempotency-Key": "k"}).status_code == 201


def test_keys_are_kept_a_day(los, officer):
    los.post("/api/v1/cases/", new_case_body(external_ref="A1"), **{"Idempotency-Key": "k"})
    IdempotencyKey.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    again = los.post("/api/v1/cases/", new_case_body(external_ref="A2"), **{"Idempotency-Key": "k"})
    assert again.status_code == 201  # a day later the key is free again
    IdempotencyKey.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    assert idempotency.forget() == 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_five_requests_with_one_key_at_once_do_it_once(branch_a, officer):
    case = make_case(branch_a, officer)
    _client, token = new_client(branch_a)
    answers, barrier = [], threading.Barrier(5)

    def send():
        barrier.wait()
        answers.append(Api(token).post(f"/api/v1/cases/{case.number}/transitions/", {"name": "sign"},
                                       **{"Idempotency-Key": "once"}))
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200] * 5, [a.content[:200] for a in answers]
    assert all(a.json() == answers[0].json() for a in answers)
    assert CaseTransition.objects.filter(case=case).count() == 1


# --- Reading and listing ----------------------------------------------------------------


def test_the_list_pages_by_cursor_without_skipping_or_repeating_while_cases_are_added(los, branch_a, officer):
    first = [make_case(branch_a, officer).number for _ in range(5)]
    page = los.get("/api/v1/cases/", page_size=3).json()
    seen = [c["number"] for c in page["results"]]
    added = [make_case(branch_a, officer).number for _ in range(2)]  # opened while the client pages
    while page["next"]:
        page = los.http.get(page["next"]).json()
        seen += [c["number"] for c in page["results"]]
    assert seen == first + added


def test_the_list_filters_by_state_overdue_and_updated_since(los, branch_a, officer, supervisor):
    old = make_case(branch_a, officer)  # opened on MONDAY in March: long overdue
    fresh = make_case(branch_a, officer, at=timezone.now())
    numbers = lambda **params: [c["number"] for c in los.get("/api/v1/cases/", **params).json()["results"]]  # noqa: E731
    assert numbers(overdue="true") == [old.number]
    assert numbers(overdue="false") == [fresh.number]
    assert numbers(state="signed") == []
    since = timezone.now()
    los.post(f"/api/v1/cases/{old.number}/transitions/", {"name": "sign"})
    assert numbers(updated_since=since.isoformat()) == [old.number]
    assert numbers(state="signed") == [old.number]
    problem(los.get("/api/v1/cases/", state="nonsense"), 400, "invalid")
    problem(los.get("/api/v1/cases/", cursor="garbage"), 400, "invalid")


def test_reading_a_case_costs_a_bounded_number_of_queries(los, branch_a, officer, people, django_assert_max_num_queries):
    case = make_case(branch_a, officer)
    for name in ("sign", "start_review"):
        los.post(f"/api/v1/cases/{case.number}/transitions/", {"name": name})
    with django_assert_max_num_queries(8):
        assert los.get(f"/api/v1/cases/{case.number}/").status_code == 200


# --- Tokens ---------------------------------------------------------------------------------


def test_tokens_are_stored_hashed_and_stop_working_when_revoked(branch_a, officer):
    client, token = new_client(branch_a)
    stored = ApiClient.objects.get(pk=client.pk)
    assert token not in (stored.token_hash, stored.token_prefix) and len(stored.token_hash) == 64
    api = Api(token)
    assert api.get("/api/v1/cases/").status_code == 200
    api_services.client_revoke(client)
    problem(api.get("/api/v1/cases/"), 401, "unauthenticated")
    problem(Api(token[:-1] + "x").get("/api/v1/cases/"), 401, "unauthenticated")
    problem(Api("nonsense").get("/api/v1/cases/"), 401, "unauthenticated")
    assert Api("x").http.get("/api/v1/cases/", HTTP_AUTHORIZATION="").status_code == 401


def test_a_system_account_never_gets_a_persons_work(branch_a, officer, head_office):
    # Branch A has no supervisor: the escalation falls back to head office.
    # A system serving every branch has head office's reach, but it is a
    # system, not a person to call borrowers: the task goes to a person.
    everywhere, _token = new_client(None, name="HQ system")
    assert everywhere.user.is_head_office
    case = make_case(branch_a, officer)
    task = staff.escalate(case=case, notification=None, at=timezone.now(), detail="test")
    assert task.assigned_to == head_office


# --- What integrations get wrong, answered as problems ----------------------------------


def test_a_post_without_the_trailing_slash_works(los, branch_a, officer):
    case = make_case(branch_a, officer)
    assert los.post(f"/api/v1/cases/{case.number}/transitions", {"name": "sign"}).status_code == 200
    assert los.post("/api/v1/cases", new_case_body()).status_code == 201


def test_an_unknown_address_a_body_too_large_and_bad_json_are_problems_too(los, officer):
    problem(los.get("/api/v1/nope/"), 404, "not_found")
    problem(los.post("/api/v1/cases/", {"x": "a" * 3_000_000}), 413, "too_large")
    bad = los.http.post("/api/v1/cases/", "{not json", content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert problem(bad, 400, "malformed")["detail"] == "请求体不是有效的 JSON。"
    assert los.post("/api/v1/cases/", new_case_body(external_ref="D")).status_code == 201
    duplicate = problem(los.post("/api/v1/cases/", new_case_body(external_ref="D")), 409, "duplicate")
    assert duplicate["title"] == "This already exists."  # not "the case is not in a state that allows this"


def test_a_replayed_creation_says_where_the_case_is(los, officer):
    body = new_case_body()
    first = los.post("/api/v1/cases/", body, **{"Idempotency-Key": "c1"})
    again = los.post("/api/v1/cases/", body, **{"Idempotency-Key": "c1"})
    assert again.status_code == 201 and again["Location"] == first["Location"] == first.json()["url"]


def test_a_request_that_looked_before_another_committed_replays_its_answer(los, branch_a, officer):
    # On SQLite a second request with the key waits for the first one's write
    # lock and then carries on from its first look ("no such key"): it must
    # replay the committed answer, not delete the key and write again.
    case = make_case(branch_a, officer)
    first = los.post(f"/api/v1/cases/{case.number}/transitions/", {"name": "sign"}, **{"Idempotency-Key": "k"})
    stored = IdempotencyKey.objects.get()
    request = type("Request", (), {"auth": stored.client})()
    again = idempotency.claim_and_write(
        request, lambda: pytest.fail("the write ran twice"), stored.client, "k", stored.request_hash, timezone.now()
    )
    assert again.status_code == 200 and again.data == first.json()
    assert CaseTransition.objects.filter(case=case).count() == 1
