"""Shared fixtures: two branches and staff in every role; a case factory."""

import datetime
import itertools
import os
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from cases import services
from cases.identity import id_number_check_char
from cases.models import Branch, Role, User

# A fixed moment inside the covered calendar: Monday 2026-03-02, 10:00 Beijing.
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
MONDAY = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=BEIJING)
PASSWORD = "correct-horse-battery-9"

_serial = itertools.count(1)


def make_id_number(serial=None):
    serial = next(_serial) if serial is None else serial
    first17 = f"11010519900101{serial % 1000:03d}"
    return first17 + id_number_check_char(first17)


def make_user(username, role, branch):
    user = User.objects.create_user(username=username, password=PASSWORD, branch=branch)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def branch_a(db):
    return Branch.objects.create(code="A", name="Branch A", hotline="010-1000-0001", hotline_hours="9:00–17:00")


@pytest.fixture
def branch_b(db):
    return Branch.objects.create(code="B", name="Branch B", hotline="010-1000-0002")


@pytest.fixture
def officer(branch_a):
    return make_user("officer", Role.OFFICER, branch_a)


@pytest.fixture
def officer2(branch_a):
    return make_user("officer2", Role.OFFICER, branch_a)


@pytest.fixture
def supervisor(branch_a):
    return make_user("supervisor", Role.SUPERVISOR, branch_a)


@pytest.fixture
def supervisor2(branch_a):
    return make_user("supervisor2", Role.SUPERVISOR, branch_a)


@pytest.fixture
def head_office(db):
    return make_user("head", Role.HEAD_OFFICE, None)


@pytest.fixture
def outsider(branch_b):
    """An officer of another branch: must never see branch A's cases."""
    return make_user("outsider", Role.OFFICER, branch_b)


@pytest.fixture
def outside_supervisor(branch_b):
    return make_user("outside_supervisor", Role.SUPERVISOR, branch_b)


@pytest.fixture
def people(officer, officer2, supervisor, supervisor2, head_office, outsider, outside_supervisor):
    """Everyone by role, for drive_to() and for tables of who may do what."""
    return {
        "officer": officer,
        "officer2": officer2,
        "supervisor": supervisor,
        "supervisor2": supervisor2,
        "head_office": head_office,
        "outsider": outsider,
        "outside_supervisor": outside_supervisor,
    }


def make_case(branch, officer, at=MONDAY, **fields):
    values = {
        "borrower_name": "张三",
        "borrower_id_number": make_id_number(),
        "borrower_phone": "13812345678",
        "borrower_email": "zhangsan@example.com",
        "property_address": "北京市朝阳区建国路1号",
        "loan_amount": Decimal("1200000.00"),
    }
    values.update(fields)
    return services.case_create(branch=branch, officer=officer, at=at, **values)


@pytest.fixture
def case(branch_a, officer):
    return make_case(branch_a, officer)


def log_in(page, live_server, username):
    """Log in through the real login form (browser tests)."""
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + "/")


def is_postgres():
    return connection.vendor == "postgresql"


requires_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL: run with DATABASE_URL=postgres://... (make test does)",
)


# How a case reaches each state through the service, with who fires each step.
# "officer" signs; approval-type steps are by the supervisor (four-eyes).
PATH_TO = {
    "submitted": [],
    "signed": [("sign", "officer")],
    "under_review": [("sign", "officer"), ("start_review", "officer")],
    "documents_requested": [("sign", "officer"), ("start_review", "officer"), ("request_documents", "officer")],
    "approved": [("sign", "officer"), ("start_review", "officer"), ("approve", "supervisor")],
    "registration": [
        ("sign", "officer"), ("start_review", "officer"), ("approve", "supervisor"), ("start_registration", "officer"),
    ],
    "disbursed": [
        ("sign", "officer"), ("start_review", "officer"), ("approve", "supervisor"),
        ("start_registration", "officer"), ("disburse", "supervisor2"),  # 贷放分控: not the approver
    ],
    "rejected": [("sign", "officer"), ("start_review", "officer"), ("reject", "supervisor")],
    "on_hold": [("sign", "officer"), ("start_review", "officer"), ("hold", "supervisor")],
    "withdrawn": [("withdraw", "officer")],
}


def drive_to(case, state, people):
    """Walk `case` to `state` through cases.services, one step every two hours."""
    at = case.entered_state_at
    for name, who in PATH_TO[state]:
        at = at + datetime.timedelta(hours=2)
        payload = {"documents": ["收入证明"]} if name == "request_documents" else None
        services.case_transition(
            case=case, name=name, actor=people[who], reason="测试原因", payload=payload, at=at
        )
    assert case.status == state
    return case
