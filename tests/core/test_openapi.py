"""The OpenAPI 3 document is generated from the code and valid."""

from __future__ import annotations

from openapi_spec_validator import validate

from tests.conftest import Client


def test_the_document_is_valid_openapi_3(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    validate(spec)


def test_it_describes_the_reporting_endpoints(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "post" in spec["paths"]["/api/v1/reports"]
    assert "get" in spec["paths"]["/api/v1/reports/{reference}"]
    schemas = spec["components"]["schemas"]
    assert "sexual_image" in str(schemas["Category"])
    assert schemas["ReportIn"].get("additionalProperties") is False


def test_there_is_no_docs_page_loading_third_party_scripts(client: Client) -> None:
    assert client.get("/api/v1/docs").status_code == 404
