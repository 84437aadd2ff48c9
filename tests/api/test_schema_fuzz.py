"""schemathesis against the served schema: generated requests, valid and
invalid, on every operation. No answer is a 5xx, every answer matches the
schema (status, content type, body), and a refused request writes nothing.
The case operations are aimed at a real case of the client's branch."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import IdempotencyKey
from cases.models import CaseAccessLog, CaseTransition, ContactCorrection, LoanCase
from notifications.models import Notification
from tests.api.conftest import new_client
from tests.base import make_case

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def keep_the_test_transaction():
    # The app is called as a WSGI server would; at the end of each request
    # Django closes a connection that is inside a transaction, and the test's
    # transaction with it. Django's own test client disconnects this too.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def target(branch_a, officer):
    """A token of branch A's system, and a case of branch A to aim at."""
    _client, token = new_client(branch_a)
    return token, make_case(branch_a, officer)


# Loaded from the app itself, in process (the schema view reads no data).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


def written():
    return (LoanCase.objects.count(), CaseTransition.objects.count(), ContactCorrection.objects.count(),
            Notification.objects.count(), CaseAccessLog.objects.count(), IdempotencyKey.objects.count())


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_breaks_the_api(case, target):
    token, aimed_at = target
    if "number" in (case.path_parameters or {}):
        case.path_parameters["number"] = aimed_at.number
    before = written()
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=CHECKS)
    if response.status_code >= 400:
        assert written() == before, (response.status_code, response.content[:300])
