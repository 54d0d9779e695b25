"""An issuer_reference reused with other items is a 409; amendments add items (issue #15, item 5).

Nothing acknowledged is silently dropped: a notice sent again under the same
reference either is the same notice (200, acted on once) or is refused whole
with the existing notice's id and what differs. Adding items is an explicit
amendment, acted on at once like the first items.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.audit.models import AuditEntry
from karpear.cases.models import Case
from karpear.notices.models import Issuer, Notice, NoticeItem
from karpear.orgs.models import Organisation
from karpear.platformlink.models import WebhookEvent
from karpear.platformlink.services import deliver_due
from tests.cast import Person, sign_in
from tests.conftest import Client
from tests.notices.test_notices_api import NOTICE, send
from tests.platform_fixture import RefPlatform


@pytest.fixture
def acu_token(acme: Organisation) -> str:
    return apikey_create(organisation=acme, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")[1]


def amend(client: Client, token: str, notice_id: int | str, body: Any) -> Any:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(
        f"/api/v1/notices/{notice_id}/items",
        data,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_the_same_reference_with_other_items_is_a_409_naming_the_notice_and_the_difference(
    client: Client, acu_token: str, ref_platform: RefPlatform
) -> None:
    first = send(client, acu_token, NOTICE).json()
    changed = {
        **NOTICE,
        "items": [NOTICE["items"][0], {"url": "HTTPS://Social.Example/p/7#top"}],
    }
    response = send(client, acu_token, changed)
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "notice_reference_conflict"
    assert error["notice_id"] == first["id"]
    assert str(first["id"]) in error["message"]
    assert error["differences"]["items_added"] == [{"url": "https://social.example/p/7"}]
    assert error["differences"]["items_missing"] == [
        {"platform_content_id": "post:5", "user_id": "u2"},
        {"url": "https://elsewhere.example/x"},
    ]
    assert error["differences"]["changed"] == []
    # Nothing was done for the conflicting request.
    assert Notice.objects.count() == 1 and NoticeItem.objects.count() == 3
    assert Case.objects.count() == 2 and WebhookEvent.objects.count() == 4


def test_other_actions_or_legal_basis_under_the_same_reference_are_a_409(
    client: Client, acu_token: str
) -> None:
    send(client, acu_token, NOTICE)
    response = send(client, acu_token, {**NOTICE, "actions": ["takedown"], "legal_basis": "x"})
    assert response.status_code == 409
    differences = response.json()["error"]["differences"]
    assert differences["changed"] == ["legal_basis", "actions"]
    assert differences["items_added"] == differences["items_missing"] == []


def test_the_same_items_in_another_order_are_the_same_notice(
    client: Client, acu_token: str
) -> None:
    first = send(client, acu_token, NOTICE)
    webhooks = WebhookEvent.objects.count()
    reordered = {
        **NOTICE,
        "items": list(reversed(NOTICE["items"])),
        "actions": ["preserve", "takedown"],
    }
    again = send(client, acu_token, reordered)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert WebhookEvent.objects.count() == webhooks


def test_the_conflict_is_told_in_the_requests_language(client: Client, acu_token: str) -> None:
    send(client, acu_token, NOTICE)
    response = send(
        client,
        acu_token,
        {**NOTICE, "items": [{"url": "https://a.example/"}]},
        HTTP_ACCEPT_LANGUAGE="km",
    )
    assert response.status_code == 409
    assert "already used" not in response.json()["error"]["message"]


def test_an_amendment_adds_items_and_acts_on_them_at_once(
    client: Client, acu_token: str, ref_platform: RefPlatform
) -> None:
    notice_id = send(client, acu_token, NOTICE).json()["id"]
    deliver_due()
    response = amend(
        client,
        acu_token,
        notice_id,
        {"items": [NOTICE["items"][0], {"platform_content_id": "post:1", "user_id": "u1"}]},
    )
    assert response.status_code == 201, response.content
    items = response.json()["items"]
    assert [i["position"] for i in items] == [0, 1, 2, 3]
    assert items[3]["platform_content_id"] == "post:1" and items[3]["status"] == "isolated"
    assert items[3]["added_at"] is not None and items[0]["added_at"] is None
    # Only the new item is acted on: one isolate and one preserve webhook more.
    assert WebhookEvent.objects.count() == 6
    assert Case.objects.filter(source="notice").count() == 3
    assert deliver_due() == 2
    assert ref_platform.state()["posts"]["post:1"]["state"] == "hidden"
    entry = AuditEntry.objects.get(action="notice_amended")
    assert entry.object_id == str(notice_id) and entry.detail["items_added"] == 1


def test_a_repeated_amendment_acts_once(client: Client, acu_token: str) -> None:
    notice_id = send(client, acu_token, NOTICE).json()["id"]
    webhooks = WebhookEvent.objects.count()
    body = {"items": [{"platform_content_id": "post:1"}, {"platform_content_id": "post:1"}]}
    first = amend(client, acu_token, notice_id, body)
    after_first = WebhookEvent.objects.count()
    again = amend(client, acu_token, notice_id, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert NoticeItem.objects.count() == 4
    assert WebhookEvent.objects.count() == after_first > webhooks
    assert AuditEntry.objects.filter(action="notice_amended").count() == 1
    # A late retry of the first request, after the amendment, is still that request.
    retry = send(client, acu_token, NOTICE)
    assert retry.status_code == 200 and retry.json()["id"] == notice_id
    assert len(retry.json()["items"]) == 4
    assert WebhookEvent.objects.count() == after_first


def test_only_the_notices_own_issuer_may_amend_it(
    client: Client, acme: Organisation, bayon: Organisation, acu_token: str
) -> None:
    notice_id = send(client, acu_token, NOTICE).json()["id"]
    webhooks = WebhookEvent.objects.count()
    body = {"items": [{"platform_content_id": "post:1"}]}
    hotline = apikey_create(
        organisation=acme, scope=Scope.ISSUER, name="Internet Hotline Cambodia (APLE)"
    )[1]
    other_org = apikey_create(organisation=bayon, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")[
        1
    ]
    platform = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")[1]
    assert amend(client, hotline, notice_id, body).status_code == 404
    assert amend(client, other_org, notice_id, body).status_code == 404
    assert amend(client, platform, notice_id, body).status_code == 403
    no_key = client.post(
        f"/api/v1/notices/{notice_id}/items", json.dumps(body), content_type="application/json"
    )
    assert no_key.status_code == 401
    assert amend(client, acu_token, notice_id + 1000, body).status_code == 404
    Issuer.objects.filter(organisation=acme, name="Anti-Cybercrime Unit").update(active=False)
    assert amend(client, acu_token, notice_id, body).status_code == 403
    assert NoticeItem.objects.count() == 3 and WebhookEvent.objects.count() == webhooks


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"items": []}, 400),
        ({"items": [{}]}, 400),
        ({"items": [{"url": "not a url at all"}]}, 400),
        ({"items": [{"platform_content_id": "post:1"}], "legal_basis": "x"}, 400),
        ({}, 400),
        (b"{broken", 400),
        (b"[]", 400),
        ({"items": [{"platform_content_id": f"post:{i}"} for i in range(1001)]}, 413),
    ],
)
def test_bad_amendments_change_nothing(
    client: Client, acu_token: str, body: Any, status: int
) -> None:
    notice_id = send(client, acu_token, NOTICE).json()["id"]
    webhooks = WebhookEvent.objects.count()
    response = amend(client, acu_token, notice_id, body)
    assert response.status_code == status, response.content
    assert "error" in response.json()
    assert NoticeItem.objects.count() == 3 and WebhookEvent.objects.count() == webhooks


def test_a_notice_id_that_is_not_a_number_is_refused(client: Client, acu_token: str) -> None:
    response = amend(client, acu_token, "abc", {"items": [{"platform_content_id": "post:1"}]})
    assert response.status_code in {400, 404}
    assert NoticeItem.objects.count() == 0


def test_the_amendment_endpoint_is_in_the_openapi_document(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/notices/{notice_id}/items"]["post"]
    assert {"200", "201", "400", "401", "403", "404", "413"} <= set(operation["responses"])
    assert "409" in spec["paths"]["/api/v1/notices"]["post"]["responses"]


def test_a_letter_reusing_a_reference_with_other_items_is_refused_on_the_desk(
    acme: Organisation, analyst: Person
) -> None:
    from tests.notices.test_notice_desk import _form

    client = sign_in(analyst)
    assert client.post("/en/desk/notices/new/", _form(acme)).status_code == 302
    response = client.post("/en/desk/notices/new/", _form(acme, items="id:post:99"))
    assert response.status_code == 409
    notice = Notice.objects.get()
    assert f"already used for notice {notice.pk}" in response.content.decode()
    assert notice.items.count() == 2


def test_the_desk_list_shows_the_amendment(
    client: Client, acme: Organisation, analyst: Person, acu_token: str
) -> None:
    notice_id = send(client, acu_token, NOTICE).json()["id"]
    amend(client, acu_token, notice_id, {"items": [{"platform_content_id": "post:1"}]})
    page = sign_in(analyst).get("/en/desk/notices/").content.decode()
    assert "1 item added by amendment, last" in page


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_amendments_with_the_same_item_add_it_once(acme: Organisation) -> None:
    """The notice row lock serialises amendments: the second sees the first's item."""
    import threading

    from django.db import connection

    from karpear.notices.models import Action
    from karpear.notices.services import ItemIn, issuers, notice_amend, notice_receive

    if connection.vendor == "sqlite":
        pytest.skip("needs a server database: SQLite serialises writers before the race")
    acu = next(i for i in issuers(acme) if i.kind == "acu")
    notice, _created = notice_receive(
        issuer=acu,
        issuer_reference="ACU/RACE/1",
        legal_basis="Order 41",
        items=[ItemIn(platform_content_id="post:1")],
        actions=[Action.TAKEDOWN],
        deadline=None,
    )
    start = threading.Barrier(3)
    added: list[int] = []

    def amend_once() -> None:
        try:
            start.wait()
            added.append(
                notice_amend(
                    issuer=acu, notice_id=notice.pk, items=[ItemIn(platform_content_id="post:2")]
                )[1]
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=amend_once) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(added) == [0, 0, 1]
    assert NoticeItem.objects.filter(notice=notice).count() == 2
    assert AuditEntry.objects.filter(action="notice_amended").count() == 1
