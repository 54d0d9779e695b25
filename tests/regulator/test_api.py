"""The regulator's API (issue #20, items 2, 3, 5 and 7): each company's key reaches only its own
submissions and requests; bad input is refused in the one JSON error format."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from karpear.orgs.models import Organisation
from karpear.regulator.models import InformationRequest, Submission
from karpear.regulator.registry import period_define, submission_key_issue
from karpear.regulator.rfi import rfi_send
from tests.cast import Person
from tests.conftest import Client
from tests.regulator.world import register, signed, small_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/regulator/submissions"


def _post(token: str, body: Any, path: str = URL) -> Any:
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return Client().post(
        path, raw, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


@pytest.fixture
def keys(head: Person, acme: Organisation) -> dict[str, Any]:
    acme_co, bayon_co = register(head, None, "acme"), register(head, None, "bayon")
    period_define(
        member=head.member,
        label=str(timezone.localdate().year),
        due=timezone.localdate() + timedelta(days=9),
    )
    return {
        "acme": submission_key_issue(member=head.member, company=acme_co),
        "bayon": submission_key_issue(member=head.member, company=bayon_co),
        "acme_co": acme_co,
        "bayon_co": bayon_co,
    }


def _body(slug: str = "acme") -> dict[str, Any]:
    return {"period": str(timezone.localdate().year), "package": signed(small_payload(slug), slug)}


def test_a_submission_is_201_then_200_for_the_same_body(keys: dict[str, Any]) -> None:
    body = _body()
    first = _post(keys["acme"], body)
    assert first.status_code == 201, first.content
    again = _post(keys["acme"], body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["repeat"] is True


def test_refusals_are_machine_readable(keys: dict[str, Any]) -> None:
    tampered = _body()
    tampered["package"]["payload"]["summary"]["minimum_met"] = 1
    cases = [
        (keys["bayon"], _body("acme"), 422, "other_company"),
        (keys["acme"], tampered, 422, "bad_signature"),
        (keys["acme"], {**_body(), "period": "1999"}, 422, "unknown_period"),
        (keys["acme"], {**_body(), "extra": 1}, 400, "invalid"),
        (keys["acme"], "{not json", 400, None),
        (keys["acme"], {"period": "2026"}, 400, "invalid"),
        (keys["acme"], '{"period": "20\\u000026", "package": {}}', 400, None),
        ("kp_company_nope_nope", _body(), 401, "unauthenticated"),
    ]
    for token, body, status, code in cases:
        response = _post(token, body)
        assert response.status_code == status, (code, response.content)
        assert "error" in response.json()
        if code:
            assert response.json()["error"]["code"] == code
    assert not Submission.objects.exists()


def test_an_oversized_submission_is_413(keys: dict[str, Any], settings: Any) -> None:
    big = json.dumps({**_body(), "transparency": {"x": "a" * (3 * 1024 * 1024)}})
    response = _post(keys["acme"], big)
    assert response.status_code == 413
    assert not Submission.objects.exists()


def test_each_key_sees_and_answers_only_its_own_requests(
    keys: dict[str, Any], reviewer: Person
) -> None:
    deadline = timezone.localdate() + timedelta(days=5)
    mine = rfi_send(
        member=reviewer.member, company_id=keys["acme_co"].pk, question="Q1", deadline=deadline
    )
    theirs = rfi_send(
        member=reviewer.member, company_id=keys["bayon_co"].pk, question="Q2", deadline=deadline
    )
    listed = Client().get("/api/v1/regulator/requests", HTTP_AUTHORIZATION=f"Bearer {keys['acme']}")
    assert [r["id"] for r in listed.json()["requests"]] == [mine.pk]
    answer = {"answer": "Yes.", "files": []}
    other = _post(keys["acme"], answer, f"/api/v1/regulator/requests/{theirs.pk}/answer")
    assert other.status_code == 404
    path = f"/api/v1/regulator/requests/{mine.pk}/answer"
    assert _post(keys["acme"], answer, path).status_code == 201
    assert _post(keys["acme"], answer, path).status_code == 200
    changed = _post(keys["acme"], {"answer": "No."}, path)
    assert changed.status_code == 409
    bad_file = {"answer": "x", "files": [{"name": "a.exe", "content_type": "x", "data": "!!"}]}
    assert _post(
        keys["acme"], bad_file, f"/api/v1/regulator/requests/{theirs.pk}/answer"
    ).status_code in (400, 404)
    InformationRequest.objects.get(pk=mine.pk, answer="Yes.")
