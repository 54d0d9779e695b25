"""The recipient's inbox: list, read, acknowledge (issue #17, items 2 and 9)."""

from __future__ import annotations

import pytest

from karpear.audit.models import AuditEntry
from karpear.cases.models import Authority, CaseEvent
from karpear.cases.timeline import sentence
from karpear.orgs.models import Organisation
from karpear.referrals.models import Referral
from tests.cast import Person, make_case
from tests.conftest import Client
from tests.referrals.helpers import HOTLINE, ack, get, key, refer


@pytest.fixture
def referral(acme: Organisation, analyst: Person) -> Referral:
    refer(make_case(acme), analyst, Authority.ACU)
    return Referral.objects.get()


def test_the_acu_lists_reads_and_acknowledges_its_referral(
    client: Client, acme: Organisation, referral: Referral
) -> None:
    token = key(acme)
    listed = get(client, token, "/api/v1/referrals").json()
    assert [r["id"] for r in listed["referrals"]] == [referral.pk]
    later = get(client, token, f"/api/v1/referrals?since={listed['next_since']}").json()
    assert later["referrals"] == []
    body = get(client, token, f"/api/v1/referrals/{referral.pk}").json()
    assert body["report"]["incident_summary"]["case_id"] == referral.case_id
    assert any(w["field"] == "reporter.contact" for w in body["withheld"])
    response = ack(client, token, referral.pk, {"reference": "ACU-2026-77"})
    assert response.status_code == 201, response.content
    assert response.json()["reference"] == "ACU-2026-77"
    referral.refresh_from_db()
    assert referral.recipient_reference == "ACU-2026-77" and referral.first_read_at is not None
    event = CaseEvent.objects.get(case=referral.case, kind="referral_ack")
    assert "ACU-2026-77" in sentence(event)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"referral_list", "referral_read", "referral_acknowledge"} <= actions


def test_the_same_acknowledgement_again_is_200_and_another_number_409(
    client: Client, acme: Organisation, referral: Referral
) -> None:
    token = key(acme)
    assert ack(client, token, referral.pk, {"reference": "A-1"}).status_code == 201
    assert ack(client, token, referral.pk, {"reference": "A-1"}).status_code == 200
    response = ack(client, token, referral.pk, {"reference": "A-2"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_acknowledged"
    referral.refresh_from_db()
    assert referral.recipient_reference == "A-1"
    assert CaseEvent.objects.filter(kind="referral_ack").count() == 1


def test_another_recipients_referral_is_not_found_and_unchanged(
    client: Client, acme: Organisation, referral: Referral
) -> None:
    hotline = key(acme, HOTLINE)
    assert get(client, hotline, "/api/v1/referrals").json()["referrals"] == []
    assert get(client, hotline, f"/api/v1/referrals/{referral.pk}").status_code == 404
    response = ack(client, hotline, referral.pk, {"reference": "H-1"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    referral.refresh_from_db()
    assert referral.acknowledged_at is None and referral.first_read_at is None


def test_another_organisations_acu_sees_nothing(
    bayon_client: Client, bayon: Organisation, referral: Referral
) -> None:
    token = key(bayon)
    assert get(bayon_client, token, "/api/v1/referrals").json()["referrals"] == []
    assert get(bayon_client, token, f"/api/v1/referrals/{referral.pk}").status_code == 404
    assert ack(bayon_client, token, referral.pk, {"reference": "X"}).status_code == 404
    referral.refresh_from_db()
    assert referral.acknowledged_at is None


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        {},
        {"reference": ""},
        {"reference": "   "},
        {"reference": 12},
        {"reference": "x" * 101},
        {"reference": "A-1", "extra": True},
        {"reference": "A\x00B"},
        [],
    ],
)
def test_a_malformed_acknowledgement_is_400_and_changes_nothing(
    client: Client, acme: Organisation, referral: Referral, body: object
) -> None:
    response = ack(client, key(acme), referral.pk, body)
    assert response.status_code == 400, response.content
    assert "error" in response.json()
    referral.refresh_from_db()
    assert referral.acknowledged_at is None


def test_the_inbox_needs_an_issuer_key(
    client: Client, acme: Organisation, referral: Referral
) -> None:
    from karpear.apikeys.models import Scope
    from karpear.apikeys.services import apikey_create

    platform = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="app")[1]
    assert client.get("/api/v1/referrals").status_code == 401
    assert get(client, platform, "/api/v1/referrals").status_code in (401, 403)
    assert ack(client, platform, referral.pk, {"reference": "A"}).status_code in (401, 403)
    assert get(client, key(acme), "/api/v1/referrals?since=yesterday").status_code == 400
    assert get(client, key(acme), "/api/v1/referrals/abc").status_code in (400, 404)


def test_the_openapi_document_lists_the_inbox_errors(client: Client, acme: Organisation) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    answers = paths["/api/v1/referrals/{referral_id}/acknowledge"]["post"]["responses"]
    assert {"200", "201", "400", "401", "403", "404", "409"} <= set(answers)


def test_paging_by_the_cursor_skips_and_repeats_nothing_within_one_second(
    client: Client, acme: Organisation, analyst: Person
) -> None:
    for n in range(5):
        refer(make_case(acme, url=f"https://p.example/{n}"), analyst, Authority.ACU)
    same_second = Referral.objects.first()
    assert same_second is not None
    Referral.objects.update(last_sent_at=same_second.last_sent_at)
    token, seen, query = key(acme), [], "limit=2"
    while True:
        page = get(client, token, f"/api/v1/referrals?{query}").json()
        if not page["referrals"]:
            break
        seen += [r["id"] for r in page["referrals"]]
        since = page["next_since"].replace("+", "%2B")
        query = f"limit=2&since={since}&after_id={page['next_after_id']}"
    assert seen == sorted(Referral.objects.values_list("pk", flat=True))


def test_an_outcome_on_a_referral_to_the_police_is_400(
    client: Client, acme: Organisation, referral: Referral
) -> None:
    import json

    response = client.post(
        f"/api/v1/referrals/{referral.pk}/outcome",
        json.dumps({"outcome": "contacted"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key(acme)}",
    )
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.outcome == ""


def test_an_oversized_acknowledgement_is_413_and_changes_nothing(
    client: Client, acme: Organisation, referral: Referral
) -> None:
    body = '{"reference": "' + "A" * (3 * 1024 * 1024) + '"}'
    response = ack(client, key(acme), referral.pk, body)
    assert response.status_code == 413
    assert "error" in response.json()
    referral.refresh_from_db()
    assert referral.acknowledged_at is None
