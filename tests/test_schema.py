from __future__ import annotations

import pytest
from django.core.management import call_command
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_served_schema_is_valid_openapi_3_and_lists_the_api(api):
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    for path in ["/api/v1/auth/token", "/api/v1/auth/token/refresh", "/api/v1/projects",
                 "/api/v1/projects/{project_id}", "/api/v1/projects/{project_id}/members"]:
        assert path in schema["paths"], path
    assert {"jwtAuth", "projectApiKey"} <= set(schema["components"]["securitySchemes"])


def test_docs_page_loads_its_assets_from_this_server(api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html and "/static/drf_spectacular_sidecar/" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
