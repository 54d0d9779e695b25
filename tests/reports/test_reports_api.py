"""In-app reporting through POST/GET /api/v1/reports."""

from __future__ import annotations

import json
from typing import Any

import pytest

from karpear.reports.models import Channel, Report
from tests.conftest import Client, valid_json


def post(client: Client, body: Any, **headers: str) -> Any:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post("/api/v1/reports", data, content_type="application/json", **headers)


def test_it_creates_a_report_and_answers_201(client: Client) -> None:
    response = post(
        client, valid_json(platform_content_id="post:991", contact={"phone": "012 345 678"})
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "received"
    assert body["status_url"].endswith(f"/api/v1/reports/{body['reference']}")
    assert body["response_hours"] == 12
    report = Report.objects.get(reference=body["reference"])
    assert report.channel == Channel.IN_APP
    assert report.platform_content_id == "post:991"
    assert not report.is_anonymous


def test_the_status_can_be_read_back(client: Client) -> None:
    reference = post(client, valid_json()).json()["reference"]
    response = client.get(f"/api/v1/reports/{reference.lower()}")
    assert response.status_code == 200
    assert response.json() == {"reference": reference, "status": "received"}


def test_an_unknown_or_mistyped_reference_is_404(client: Client) -> None:
    response = client.get("/api/v1/reports/AAAA-AAAA-AAAA")
    assert response.status_code == 404
    assert response.json()["error"]["code"] in {"bad_reference", "not_found"}


def test_a_retry_with_the_same_idempotency_key_returns_the_first_report(client: Client) -> None:
    first = post(client, valid_json(), HTTP_IDEMPOTENCY_KEY="app-7f3a")
    second = post(client, valid_json(), HTTP_IDEMPOTENCY_KEY="app-7f3a")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["reference"] == second.json()["reference"]
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"links": ["https://x.example/1"]}, "category"),
        (valid_json(category="pizza"), "category"),
        (valid_json(links=["javascript:alert(1)"]), "links"),
        (valid_json(links=[]), "links"),
        (valid_json(links="https://x.example/"), "links"),
        (valid_json(links=[f"https://x.example/{i}" for i in range(21)]), "links"),
        (valid_json(seen_on="yesterday"), "seen_on"),
        (valid_json(seen_on="2099-01-01"), "seen_on"),
        (valid_json(seen_approximate="yes"), "seen_approximate"),
        (valid_json(description=123), "description"),
        (valid_json(description="x" * 2001), "description"),
        (valid_json(reporter_age=12), "reporter_age"),
        (valid_json(contact={"phone": "call me"}), "contact_phone"),
        (valid_json(contact={"fax": "1"}), "contact.fax"),
    ],
)
def test_invalid_input_gets_400_with_per_field_messages(
    client: Client, body: dict[str, Any], field: str
) -> None:
    response = post(client, body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert all(isinstance(m, str) and m for m in error["fields"][field])
    assert Report.objects.count() == 0


def test_messages_follow_the_accept_language_header(client: Client) -> None:
    body = valid_json(category="pizza")
    km = post(
        client, {**body, "category": "sexual_image", "links": []}, HTTP_ACCEPT_LANGUAGE="km"
    ).json()
    en = post(
        client, {**body, "category": "sexual_image", "links": []}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert "សូមបិទភ្ជាប់តំណភ្ជាប់" in km["error"]["fields"]["links"][0]
    assert "Please paste the link" in en["error"]["fields"]["links"][0]


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[]", b'"text"', b"\xff\xfe{}"])
def test_malformed_bodies_get_400(client: Client, raw: bytes) -> None:
    response = post(client, raw)
    assert response.status_code == 400
    assert "error" in response.json()
    assert Report.objects.count() == 0


def test_an_oversized_body_gets_413(client: Client) -> None:
    response = post(client, valid_json(description="x" * 50_000))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_multipart_uploads_are_refused(client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("a.jpg", b"\xff\xd8\xff", "image/jpeg")
    response = client.post("/api/v1/reports", {"file": upload})
    assert response.status_code == 415
    assert Report.objects.count() == 0


def test_the_api_is_rate_limited_with_retry_after(client: Client, settings: Any) -> None:
    settings.KARPEAR_RATE_REPORTS = "1/60"
    assert post(client, valid_json()).status_code == 201
    response = post(client, valid_json())
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 60
