import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from api import services
from api.models import ApiClient
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db


def create(*args):
    out = io.StringIO()
    call_command("api_client_create", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_it_prints_a_working_token_once_as_the_last_line(branch_a, officer):
    lines = create("Loan origination", "--branch", "a", "--create", "--transitions", "sign", "start_review")
    token = lines[-1]
    client = ApiClient.objects.get(name="Loan origination")
    assert client.branch == branch_a and client.transitions == ["sign", "start_review"] and client.may_create
    assert token.startswith("lf_") and token not in client.token_hash
    assert Api(token).get("/api/v1/cases/").status_code == 200


def test_it_prints_the_webhook_secret_once(branch_a):
    lines = create("CRM", "--all-branches", "--webhook-url", "https://crm.bank.example/hook")
    client = ApiClient.objects.get(name="CRM")
    assert client.branch is None
    assert f"Webhook signing secret (shown once): {client.webhook_secret}" in lines


def test_it_refuses_an_unknown_branch_or_a_name_in_use(branch_a):
    with pytest.raises(CommandError, match="No branch"):
        create("X", "--branch", "ZZ")
    create("X", "--branch", "A")
    with pytest.raises(CommandError, match="exists already"):
        create("X", "--branch", "A")


def test_the_admin_gives_a_webhook_url_its_secret_and_keeps_the_branch(client, django_user_model, branch_a, branch_b):
    api_client, _token = services.client_create(name="CRM", branch=branch_a)
    assert api_client.webhook_secret == ""
    admin = django_user_model.objects.create_superuser("root", "root@bank.example", "pw-for-the-test-1")
    client.force_login(admin)
    url = reverse("admin:api_apiclient_change", args=[api_client.pk])
    response = client.post(url, {"name": "CRM", "transitions": ["sign"], "webhook_url": "https://crm.bank.example/h",
                                 "branch": branch_b.pk}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    api_client.refresh_from_db()
    assert api_client.webhook_secret and api_client.webhook_secret in response.content.decode()  # shown once
    assert api_client.branch == branch_a  # the branch is the service account's scope: not changed here
    assert api_client.transitions == ["sign"]
