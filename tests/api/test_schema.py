"""The served schema is valid OpenAPI, and its documentation pages load
their JavaScript and CSS from the app (a bank's closed network has no CDN)."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_without_a_warning(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "operationId: cases_transition" in (tmp_path / "schema.yaml").read_text()


def test_the_documentation_page_uses_no_cdn():
    html = Client().get("/api/v1/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(url.startswith("/static/") or url.startswith("/api/") for url in assets), assets
