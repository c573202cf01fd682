"""The capture endpoints appear in the served OpenAPI document, though Django does not serve them."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_the_schema_describes_every_capture_endpoint(api):
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    for path in ("/v1/track", "/v1/identify", "/v1/page", "/v1/screen", "/v1/group", "/v1/alias", "/v1/batch"):
        operation = schema["paths"][path]["post"]
        assert set(operation["responses"]) == {"200", "400", "401", "413", "503"}
    assert schema["components"]["securitySchemes"]["writeKey"] == {
        "type": "http", "scheme": "basic",
        "description": "the project's write key as username, empty password (or `writeKey` in the body)"}
    assert "/api/v1/projects/{project_id}/events/import" in schema["paths"]
