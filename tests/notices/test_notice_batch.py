"""The batch form of the notices API (issue #24): many notices in one request, each acted on
and answered exactly as if it had been sent alone, committed before the answer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.audit.models import AuditEntry
from karpear.audit.services import audit_verify
from karpear.cases.models import Case, CaseEvent, Decision, State
from karpear.notices.models import Notice, NoticeItem
from karpear.orgs.models import Organisation
from karpear.platformlink.models import WebhookEvent
from tests.conftest import BAYON_HOST, Client
from tests.notices.helpers import linked_issuer_token, post
from tests.notices.helpers import notice as _notice


@pytest.fixture
def acu(acme: Organisation) -> str:
    return linked_issuer_token(acme)


def _shape(notice_id: int) -> dict[str, Any]:
    """What an issuer and the desk see of a notice, without ids and times."""
    notice = Notice.objects.get(pk=notice_id)
    items = list(notice.items.all())
    cases = [Case.objects.get(pk=i.case_id) if i.case_id else None for i in items]
    return {
        "acted": notice.acted_at is not None,
        "items": [(i.position, i.status, i.url, i.platform_content_id) for i in items],
        "cases": [
            (c.state, c.priority, c.source, c.version, c.preserve_requested_at is not None)
            if c
            else None
            for c in cases
        ],
        "timeline": [
            list(CaseEvent.objects.filter(case=c).values_list("kind", "from_state", "to_state"))
            if c
            else None
            for c in cases
        ],
        "webhooks": [
            sorted(
                WebhookEvent.objects.filter(order_key=f"case:{c.pk}").values_list(
                    "event_type", flat=True
                )
            )
            if c
            else None
            for c in cases
        ],
    }


def test_a_batch_acts_on_every_notice_as_if_each_came_alone(client: Client, acu: str) -> None:
    items = (
        {"url": "https://social.example/p/3"},
        {"platform_content_id": "post:5", "user_id": "u2"},
        {"url": "https://elsewhere.example/x"},
    )
    single = post(client, acu, "/api/v1/notices", _notice("ACU/1", *items))
    assert single.status_code == 201
    # The same items again under other references would join ACU/1's cases: use new content.
    batched = (
        {"url": "https://social.example/p/4"},
        {"platform_content_id": "post:6", "user_id": "u2"},
        {"url": "https://elsewhere.example/y"},
    )
    response = post(
        client,
        acu,
        "/api/v1/notices/batch",
        {"notices": [_notice("ACU/2", *batched), _notice("ACU/3", {"platform_content_id": "p7"})]},
    )
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [(r["issuer_reference"], r["status"], r["error"]) for r in results] == [
        ("ACU/2", 201, None),
        ("ACU/3", 201, None),
    ]
    first = results[0]["notice"]
    assert [i["status"] for i in first["items"]] == ["isolated", "isolated", "not_hosted"]
    assert first["acted_at"] and all(i["case_id"] for i in first["items"][:2])
    # The answer is what the status endpoint says.
    shown = client.get(f"/api/v1/notices/{first['id']}", HTTP_AUTHORIZATION=f"Bearer {acu}").json()
    assert shown == first
    # Same rows, same timeline, same webhooks as the notice sent alone.
    alone, batch = _shape(single.json()["id"]), _shape(first["id"])
    assert [i[1:2] for i in alone["items"]] == [i[1:2] for i in batch["items"]]
    assert {k: v for k, v in alone.items() if k != "items"} == {
        k: v for k, v in batch.items() if k != "items"
    }
    assert alone["timeline"][0] == [
        ("opened", "", "received"),
        ("transition", "received", "isolated"),
        ("decision", "", ""),
        ("preserve_requested", "", ""),
    ]
    assert alone["webhooks"][0] == ["content.isolate", "content.preserve"]
    received = AuditEntry.objects.filter(action="notice_received").count()
    assert received == 3 and AuditEntry.objects.filter(action="decision").count() == 5
    assert audit_verify().ok


def test_repeats_and_conflicts_are_answered_per_notice(client: Client, acu: str) -> None:
    sent = _notice("ACU/1", {"platform_content_id": "post:1"})
    assert post(client, acu, "/api/v1/notices", sent).status_code == 201
    other = _notice("ACU/1", {"platform_content_id": "post:2"})
    fresh = _notice("ACU/9", {"platform_content_id": "post:9"})
    response = post(client, acu, "/api/v1/notices/batch", {"notices": [sent, other, fresh, fresh]})
    results = response.json()["results"]
    assert [r["status"] for r in results] == [200, 409, 201, 200]
    assert results[0]["notice"]["id"] == results[1]["error"]["notice_id"]
    assert results[1]["notice"] is None
    assert results[1]["error"]["code"] == "notice_reference_conflict"
    assert results[1]["error"]["differences"]["items_added"] == [{"platform_content_id": "post:2"}]
    assert results[2]["notice"]["id"] == results[3]["notice"]["id"]
    # Acted on once each: two notices, two cases, two takedowns.
    assert Notice.objects.count() == 2 and Decision.objects.count() == 2
    # The whole batch again is a retry: nothing new.
    again = post(client, acu, "/api/v1/notices/batch", {"notices": [sent, fresh]})
    assert [r["status"] for r in again.json()["results"]] == [200, 200]
    assert Decision.objects.count() == 2


def test_items_about_one_piece_of_content_join_one_case(client: Client, acu: str) -> None:
    notices = [
        _notice(f"ACU/{n}", {"url": "https://social.example/p/1"}, {"platform_content_id": "x"})
        for n in range(3)
    ]
    response = post(client, acu, "/api/v1/notices/batch", {"notices": notices})
    assert [r["status"] for r in response.json()["results"]] == [201, 201, 201]
    cases = list(Case.objects.order_by("id"))
    assert len(cases) == 2 and all(c.state == State.ISOLATED for c in cases)
    assert [c.version for c in cases] == [3, 3]  # one version per takedown, as one by one
    # One preserve request per case, one isolate per item.
    types = list(WebhookEvent.objects.values_list("event_type", flat=True))
    assert types.count("content.preserve") == 2 and types.count("content.isolate") == 6
    preserved = CaseEvent.objects.filter(kind="preserve_requested").count()
    assert preserved == 2 and CaseEvent.objects.filter(kind="opened").count() == 2


def test_a_bad_batch_does_nothing(client: Client, acu: str, settings: Any) -> None:
    settings.KARPEAR_NOTICE_BATCH_MAX = 3
    good = _notice("ACU/1", {"platform_content_id": "post:1"})
    bad = _notice("ACU/2", {"url": "not a link"})
    refused = post(client, acu, "/api/v1/notices/batch", {"notices": [good, bad]})
    assert refused.status_code == 400
    assert "notices.1.items.0.url" in json.dumps(refused.json())
    many = post(client, acu, "/api/v1/notices/batch", {"notices": [good] * 4})
    assert many.status_code == 413 and many.json()["error"]["code"] == "too_many_notices"
    settings.KARPEAR_NOTICE_MAX_ITEMS = 2
    items = [{"platform_content_id": f"p{n}"} for n in range(2)]
    big = post(
        client,
        acu,
        "/api/v1/notices/batch",
        {"notices": [_notice("A", *items), _notice("B", *items)]},
    )
    assert big.status_code == 413
    empty = post(client, acu, "/api/v1/notices/batch", {"notices": []})
    unknown = post(client, acu, "/api/v1/notices/batch", {"notices": [good], "extra": 1})
    nul = post(client, acu, "/api/v1/notices/batch", {"notices": [_notice("A\x00", *items)]})
    assert empty.status_code == unknown.status_code == nul.status_code == 400
    assert not Notice.objects.exists() and not Case.objects.exists()


def test_only_issuers_of_the_organisation_send_batches(
    client: Client, acu: str, acme: Organisation, bayon: Organisation
) -> None:
    body = {"notices": [_notice("ACU/1", {"platform_content_id": "post:1"})]}
    platform = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")[1]
    assert post(client, platform, "/api/v1/notices/batch", body).status_code == 403
    assert post(client, "kp_issuer_nope", "/api/v1/notices/batch", body).status_code == 401
    theirs = apikey_create(organisation=bayon, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")[1]
    made = post(client, theirs, "/api/v1/notices/batch", body, HTTP_HOST=BAYON_HOST)
    assert made.json()["results"][0]["status"] == 201
    ours = post(client, acu, "/api/v1/notices/batch", body)
    assert ours.json()["results"][0]["status"] == 201  # the same reference, another issuer
    assert {n.organisation_id for n in Notice.objects.all()} == {acme.pk, bayon.pk}
    mine = ours.json()["results"][0]["notice"]["id"]
    assert (
        client.get(
            f"/api/v1/notices/{mine}", HTTP_AUTHORIZATION=f"Bearer {theirs}", HTTP_HOST=BAYON_HOST
        ).status_code
        == 404
    )
    # The same content ID at two companies: two cases, each in its own organisation.
    theirs_item = NoticeItem.objects.filter(notice__organisation=bayon).get()
    assert theirs_item.case is not None and theirs_item.case.organisation_id == bayon.pk
    assert Case.objects.filter(organisation=acme).count() == 1


def test_a_batch_joins_a_reported_case_and_its_reporter_sees_it_move(
    client: Client, acu: str, acme: Organisation
) -> None:
    from karpear.platformlink.services import link_isolation_set
    from karpear.reports.models import PublicStatus, Report
    from tests.cast import make_case

    link_isolation_set(organisation=acme, categories=[])  # nothing isolated on receipt
    reported = make_case(acme, url="https://social.example/p/3")
    assert reported.state == State.RECEIVED
    assert Report.objects.get().status == PublicStatus.RECEIVED
    before = reported.version
    notices = [_notice(f"ACU/{n}", {"url": "https://social.example/p/3"}) for n in range(2)]
    response = post(client, acu, "/api/v1/notices/batch", {"notices": notices})
    case_ids = {r["notice"]["items"][0]["case_id"] for r in response.json()["results"]}
    assert case_ids == {reported.pk} and Case.objects.count() == 1
    reported.refresh_from_db()
    assert reported.state == State.ISOLATED and reported.priority == 1
    assert reported.first_action_at is not None and reported.preserve_requested_at is not None
    assert reported.version == before + 2  # an analyst's open form sees the change
    assert Report.objects.get().status == PublicStatus.CHECKING
    # The first notice moves the case and asks for preservation; each is a decision.
    timeline = list(reported.events.values_list("kind", flat=True))
    assert timeline == ["opened", "transition", "decision", "preserve_requested", "decision"]
