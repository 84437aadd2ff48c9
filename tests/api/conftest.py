import pytest
from django.test import Client

from api import services as api_services
from cases.states import Transition
from tests.base import make_id_number


class Api:
    """The Django test client as an API client: a bearer token, JSON in and out."""

    def __init__(self, token, language="en"):
        self.http = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=language)

    def get(self, path, **params):
        return self.http.get(path, params)

    def post(self, path, data, **headers):
        return self.http.post(path, data, content_type="application/json", headers=headers)


def new_client(branch, name="LOS", **kwargs):
    kwargs.setdefault("may_create", True)
    kwargs.setdefault("may_correct_contact", True)
    kwargs.setdefault("transitions", Transition.values)
    return api_services.client_create(name=name, branch=branch, **kwargs)


@pytest.fixture
def los(branch_a):
    """The loan origination system of branch A: may do everything."""
    client, token = new_client(branch_a)
    return Api(token)


def new_case_body(**fields):
    body = {
        "external_ref": "LOS-0001",
        "officer": "officer",
        "borrower_name": "张三",
        "borrower_id_number": make_id_number(),
        "borrower_phone": "13812345678",
        "borrower_email": "zhangsan@example.com",
        "property_address": "北京市朝阳区建国路1号",
        "loan_amount": "1200000.00",
    }
    body.update(fields)
    return body
