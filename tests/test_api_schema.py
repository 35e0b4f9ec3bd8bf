"""The OpenAPI description and its viewers are served from our own static files, offline."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_schema_describes_every_endpoint_with_token_and_session_auth():
    response = APIClient().get("/api/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/plans/",
        "/api/plans/{id}/summary/",
        "/api/items/",
        "/api/subitems/",
        "/api/units/",
        "/api/reports/",
        "/api/reports/{id}/accept/",
        "/api/reports/{id}/return/",
        "/api/reports/{id}/submit/",
        "/api/visits/",
        "/api/rectifications/",
        "/api/flags/",
    ):
        assert path in schema["paths"], path
    assert {"knoxApiToken", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_list_filters_are_documented():
    params = (
        APIClient().get("/api/schema/?format=json").json()["paths"]["/api/subitems/"]["get"]["parameters"]
    )

    names = {param["name"] for param in params}

    assert {
        "year",
        "plan",
        "category",
        "unit",
        "status",
        "light",
        "lagging",
        "ordering",
        "page_size",
    } <= names
    assert {"planned_end_after", "planned_end_before"} <= names


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_only_local_assets(path):
    response = APIClient().get(path)

    assert response.status_code == 200
    assets = _assets(response.content.decode())
    assert assets, "the page should load the viewer's scripts"
    assert all(asset.startswith("/static/drf_spectacular_sidecar/") for asset in assets), assets


def test_schema_generation_is_free_of_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert (tmp_path / "schema.yaml").read_text(encoding="utf-8").startswith("openapi: 3")


def test_unknown_api_addresses_answer_json_404():
    response = APIClient().get("/api/plans/0.5/summary/")

    assert response.status_code == 404
    assert response.json() == {"detail": "接口不存在"}
