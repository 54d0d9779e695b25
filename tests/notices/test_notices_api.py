"""An issuer sends a takedown notice; the content is isolated at once (2.6, agency roles box)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create, apikey_revoke
from karpear.audit.models import AuditEntry
from karpear.cases.models import Case, State
from karpear.notices.models import Issuer, Notice
from karpear.orgs.models import Organisation
from karpear.platformlink.models import WebhookEvent
from karpear.platformlink.services import deliver_due
from tests.conftest import Client
from tests.platform_fixture import RefPlatform

NOTICE = {
    "issuer_reference": "ACU/2026/0042",
    "legal_basis": "Order under the Criminal Code, art. 41",
    "items": [
        {"url": "https://social.example/p/3"},
        {"platform_content_id": "post:5", "user_id": "u2"},
        {"url": "https://elsewhere.example/x"},
    ],
    "actions": ["takedown", "preserve"],
}


@pytest.fixture
def acu_token(acme: Organisation) -> str:
    return apikey_create(organisation=acme, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")[1]


def send(client: Client, token: str, body: Any, **extra: Any) -> Any:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(
        "/api/v1/notices",
        data,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **extra,
    )


def test_a_notice_is_acted_on_at_once_and_acknowledged(
    client: Client, acu_token: str, ref_platform: RefPlatform
) -> None:
    response = send(client, acu_token, NOTICE)
    assert response.status_code == 201, response.content
    body = response.json()
    assert [i["status"] for i in body["items"]] == ["isolated", "isolated", "not_hosted"]
    assert body["received_at"] and body["acted_at"]
    assert body["issuer"] == "Anti-Cybercrime Unit"
    cases = Case.objects.filter(source="notice")
    assert cases.count() == 2
    assert all(c.state == State.ISOLATED and c.priority == 1 for c in cases)
    types = sorted(WebhookEvent.objects.values_list("event_type", flat=True))
    assert types == ["content.isolate", "content.isolate", "content.preserve", "content.preserve"]

    assert deliver_due() == 4
    posts = ref_platform.state()["posts"]
    assert posts["post:3"]["state"] == "hidden" and posts["post:5"]["state"] == "hidden"
    assert posts["post:3"]["preserved"] == 1
    assert posts["post:1"]["state"] == "visible"
    state = client.get(
        f"/api/v1/notices/{body['id']}", HTTP_AUTHORIZATION=f"Bearer {acu_token}"
    ).json()
    confirmed = [i["platform_confirmed_at"] is not None for i in state["items"]]
    assert confirmed == [True, True, False]
    assert AuditEntry.objects.filter(action="notice_received").count() == 1


def test_the_same_notice_twice_acts_once(
    client: Client, acu_token: str, ref_platform: RefPlatform
) -> None:
    first = send(client, acu_token, NOTICE)
    again = send(client, acu_token, NOTICE)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Notice.objects.count() == 1
    assert WebhookEvent.objects.count() == 4
    assert Case.objects.count() == 2


def test_notice_cases_go_to_the_top_of_the_queue(
    client: Client, acu_token: str, acme: Organisation
) -> None:
    from tests.cast import make_case

    older = make_case(acme, url="https://old.example/1")
    send(client, acu_token, NOTICE)
    from karpear.cases.selectors import QueueFilter, case_queue

    queue = case_queue(organisation=acme, filters=QueueFilter())
    assert queue[0].source == "notice" and queue[-1].pk == older.pk


def test_a_notice_joins_an_open_case_about_the_same_content(
    client: Client, acu_token: str, acme: Organisation, ref_platform: RefPlatform
) -> None:
    from tests.cast import make_case

    reported = make_case(acme, url="https://social.example/p/3")
    send(client, acu_token, NOTICE)
    reported.refresh_from_db()
    assert reported.state == State.ISOLATED and reported.priority == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NOTICE, "items": []}, "items"),
        ({**NOTICE, "items": [{"url": "not a url at all"}]}, "items.0.url"),
        ({**NOTICE, "items": [{"url": "javascript:alert(1)"}]}, "items.0.url"),
        ({**NOTICE, "items": [{}]}, "items.0"),
        ({**NOTICE, "colour": "red"}, "colour"),
        ({**NOTICE, "issuer_reference": ""}, "issuer_reference"),
        ({**NOTICE, "actions": ["explode"]}, "actions.0"),
        ({k: v for k, v in NOTICE.items() if k != "legal_basis"}, "legal_basis"),
    ],
)
def test_bad_notices_get_400_and_change_nothing(
    client: Client, acu_token: str, body: dict[str, Any], field: str
) -> None:
    response = send(client, acu_token, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert Notice.objects.count() == 0 and WebhookEvent.objects.count() == 0


@pytest.mark.parametrize("raw", [b"{broken", b"\xff\xfe", b"[]"])
def test_malformed_json_gets_400(client: Client, acu_token: str, raw: bytes) -> None:
    assert send(client, acu_token, raw).status_code == 400
    assert Notice.objects.count() == 0


def test_a_notice_with_10000_items_is_refused_whole(client: Client, acu_token: str) -> None:
    items = [{"platform_content_id": f"post:{i}"} for i in range(10_000)]
    response = send(client, acu_token, {**NOTICE, "items": items}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert "at most 1000" in response.json()["error"]["message"]
    assert Notice.objects.count() == 0 and Case.objects.count() == 0


def test_an_oversized_body_gets_413(client: Client, acu_token: str) -> None:
    response = send(client, acu_token, {**NOTICE, "legal_basis": "x" * 3_000_000})
    assert response.status_code == 413


def test_keys_are_checked(client: Client, acme: Organisation, acu_token: str) -> None:
    platform_token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")[1]
    assert send(client, platform_token, NOTICE).status_code == 403
    assert (
        client.post(
            "/api/v1/notices", json.dumps(NOTICE), content_type="application/json"
        ).status_code
        == 401
    )
    key, token = apikey_create(organisation=acme, scope=Scope.ISSUER, name="Old ACU key")
    apikey_revoke(key=key)
    assert send(client, token, NOTICE).status_code == 401
    assert Notice.objects.count() == 0


def test_issuers_see_only_their_own_notices(
    client: Client, acme: Organisation, bayon: Organisation, acu_token: str
) -> None:
    notice_id = send(client, acu_token, NOTICE).json()["id"]
    hotline = apikey_create(
        organisation=acme, scope=Scope.ISSUER, name="Internet Hotline Cambodia (APLE)"
    )[1]
    other_org = apikey_create(organisation=bayon, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")[
        1
    ]
    for token in (hotline, other_org):
        response = client.get(f"/api/v1/notices/{notice_id}", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 404


def test_the_registry_has_the_two_issuers_of_the_guidelines(acme: Organisation) -> None:
    from karpear.notices.services import issuers

    names = {i.name for i in issuers(acme)}
    assert {"Anti-Cybercrime Unit", "Internet Hotline Cambodia (APLE)"} <= names
    assert Issuer.objects.filter(organisation=acme, kind="acu").count() == 1
