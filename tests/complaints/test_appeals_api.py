"""POST /api/v1/appeals: the platform forwards a complaint (issue #17, items 6 and 9)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.cases.models import Decision
from karpear.complaints.models import Complaint
from karpear.complaints.services import complaint_reason
from karpear.orgs.models import Organisation
from tests.cast import Person
from tests.complaints.helpers import a_ban
from tests.conftest import Client


def _post(client: Client, token: str, body: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(
        "/api/v1/appeals",
        data,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.fixture
def token(acme: Organisation) -> str:
    return apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")[1]


def test_the_platform_contests_a_decision_and_a_repeat_returns_the_same_complaint(
    client: Client, acme: Organisation, analyst: Person, token: str
) -> None:
    ban = a_ban(acme, analyst)
    first = _post(client, token, {"decision_id": ban.pk, "reason": "It was my brother."})
    assert first.status_code == 201, first.content
    again = _post(client, token, {"decision_id": ban.pk, "reason": "Please!"})
    assert again.status_code == 200
    assert again.json()["reference"] == first.json()["reference"]
    assert first.json()["status"] == "received" and first.json()["review_due_at"]
    complaint = Complaint.objects.get()
    assert complaint_reason(complaint) == "It was my brother."  # the repeat changed nothing


def test_an_unknown_or_foreign_decision_is_404(
    client: Client, acme: Organisation, bayon: Organisation, outsider: Person, token: str
) -> None:
    foreign = a_ban(bayon, outsider)
    for decision_id in (foreign.pk, foreign.pk + 1000):
        response = _post(client, token, {"decision_id": decision_id})
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        {},
        {"decision_id": "1"},
        {"decision_id": 0},
        {"decision_id": 1, "reason": 5},
        {"decision_id": 1, "extra": True},
        {"decision_id": 1, "reason": "x" * 2001},
    ],
)
def test_malformed_complaints_are_400_and_change_nothing(
    client: Client, acme: Organisation, analyst: Person, token: str, body: Any
) -> None:
    a_ban(acme, analyst)
    response = _post(client, token, body)
    assert response.status_code == 400
    assert "error" in response.json()
    assert not Complaint.objects.exists()


def test_an_oversized_body_is_413(
    client: Client, acme: Organisation, analyst: Person, token: str, settings: Any
) -> None:
    ban = a_ban(acme, analyst)
    response = _post(client, token, {"decision_id": ban.pk, "reason": "x" * 40_000})
    assert response.status_code == 413
    assert not Complaint.objects.exists()


def test_a_nul_character_is_refused(
    client: Client, acme: Organisation, analyst: Person, token: str
) -> None:
    ban = a_ban(acme, analyst)
    response = _post(client, token, f'{{"decision_id": {ban.pk}, "reason": "a\\u0000b"}}')
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_without_a_platform_key_it_is_refused(
    client: Client, acme: Organisation, analyst: Person
) -> None:
    ban = a_ban(acme, analyst)
    isp = apikey_create(organisation=acme, scope=Scope.ISP, name="ISP")[1]
    assert _post(client, "nope", {"decision_id": ban.pk}).status_code == 401
    assert _post(client, isp, {"decision_id": ban.pk}).status_code in (401, 403)
    assert not Complaint.objects.exists()


def test_a_decision_older_than_the_window_cannot_be_contested(
    client: Client, acme: Organisation, analyst: Person, token: str
) -> None:
    ban = a_ban(acme, analyst)
    Decision.objects.filter(pk=ban.pk).update(decided_at=timezone.now() - timedelta(days=31))
    response = _post(client, token, {"decision_id": ban.pk})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_late"
