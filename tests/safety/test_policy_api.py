"""GET /api/v1/safety-policy and POST /api/v1/safety-policy/attestations (issue #18, 2-3, 8)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.orgs.models import Organisation
from karpear.safety.models import Attestation
from karpear.safety.selectors import conformance
from tests.cast import Person
from tests.conftest import BAYON_HOST, Client
from tests.safety.helpers import relax

pytestmark = pytest.mark.django_db

URL = "/api/v1/safety-policy"


def _key(org: Organisation) -> dict[str, Any]:
    token = apikey_create(organisation=org, scope=Scope.PLATFORM, name="app")[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _get(org: Organisation, query: str = "", **extra: Any) -> Any:
    return Client().get(URL + query, **_key(org), **extra)


def _attest(org: Organisation, body: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return Client().post(URL + "/attestations", data, content_type="application/json", **_key(org))


def test_a_13_year_old_gets_private_profile_no_location_and_messages_from_contacts(
    acme: Organisation,
) -> None:
    response = _get(acme, "?age_band=13-15&assurance=self-declared")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 0 and body["served_band"] == "13-15"
    settings = body["settings"]
    assert settings["profile_visibility"]["value"] == "private"
    assert settings["location_sharing"]["value"] == "off"
    assert settings["messages_from"]["value"] == "contacts"
    assert settings["personalised_ads"] == {
        "value": "off",
        "change": "locked",
        "parent_control": False,
        "values": ["off", "on"],
        "held_back": None,
    }
    assert response["ETag"].startswith('"')


def test_the_etag_answers_304_until_the_lead_adopts_a_new_version(
    acme: Organisation, lead: Person
) -> None:
    first = _get(acme, "?age_band=16-17")
    again = _get(acme, "?age_band=16-17", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    relax(lead.member, "16-17", "discoverable", "on")
    changed = _get(acme, "?age_band=16-17", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed.json()["version"] == 1
    assert changed.json()["settings"]["discoverable"]["value"] == "on"
    assert _get(acme, "?age_band=13-15").json()["settings"]["discoverable"]["value"] == "off"


def test_an_unknown_age_is_the_youngest_band_the_service_admits(acme: Organisation) -> None:
    body = _get(acme).json()
    assert (body["age_band"], body["served_band"]) == ("unknown", "10-12")
    assert body["settings"]["messages_from"]["value"] == "contacts"


def test_a_relaxed_setting_waits_for_the_assurance_the_policy_asks(
    acme: Organisation, lead: Person
) -> None:
    relax(lead.member, "16-17", "discoverable", "on", assurance="verified")
    held = _get(acme, "?age_band=16-17&assurance=estimated").json()["settings"]["discoverable"]
    assert held["value"] == "off"
    assert held["held_back"] == {"value": "on", "needs": "verified"}
    free = _get(acme, "?age_band=16-17&assurance=verified").json()["settings"]["discoverable"]
    assert free["value"] == "on" and free["held_back"] is None


@pytest.mark.parametrize("query", ["?age_band=18-99", "?age_band=13", "?assurance=guessed"])
def test_an_unknown_band_or_assurance_is_refused(acme: Organisation, query: str) -> None:
    response = _get(acme, query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_each_organisation_is_served_its_own_policy(
    acme: Organisation, bayon: Organisation, lead: Person
) -> None:
    relax(lead.member, "16-17", "discoverable", "on")
    bayon_key = _key(bayon)
    body = Client(HTTP_HOST=BAYON_HOST).get(URL + "?age_band=16-17", **bayon_key).json()
    assert body["version"] == 0 and body["settings"]["discoverable"]["value"] == "off"


def _counts(band: str = "13-15", **over: Any) -> list[dict[str, Any]]:
    row = {"age_band": band, "feature": "profile_visibility", "at_default": 3, "changed": 0}
    return [{**row, **over}]


def test_an_attestation_makes_conformance_for_its_band(acme: Organisation) -> None:
    response = _attest(acme, {"version": 0, "counts": _counts()})
    assert response.status_code == 200 and response.json() == {"version": 0, "recorded": 1}
    assert conformance(acme)["band_percent"]["13-15"] == 100
    # The same report again changes nothing; a new one replaces the counts.
    _attest(acme, {"version": 0, "counts": _counts()})
    assert Attestation.objects.count() == 1
    _attest(acme, {"version": 0, "counts": _counts(feature="personalised_ads", changed=1)})
    # A change to a locked setting does not conform; an opt-out where allowed does.
    assert conformance(acme)["bands"]["13-15"]["personalised_ads"].percent == 75


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"version": 7, "counts": _counts()}, 422, "unknown_version"),
        ({"version": 0, "counts": _counts("18-99")}, 400, "invalid_attestation"),
        ({"version": 0, "counts": _counts(feature="x-ray")}, 400, "invalid_attestation"),
        ({"version": 0, "counts": _counts(at_default=-1)}, 400, "invalid"),
        ({"version": 0, "counts": _counts(changed="3")}, 400, "invalid"),
        ({"version": 0, "counts": _counts() * 2}, 400, "invalid_attestation"),
        ({"version": 0, "counts": [], "extra": 1}, 400, "invalid"),
        ({"version": 0, "counts": _counts(feature="a\u0000b")}, 400, "invalid"),
    ],
)
def test_a_bad_attestation_records_nothing(
    acme: Organisation, body: dict[str, Any], status: int, code: str
) -> None:
    good = {**_counts()[0], "feature": "location_sharing"}
    if isinstance(body.get("counts"), list) and body["counts"]:
        body = {**body, "counts": [good, *body["counts"]]}
    response = _attest(acme, body)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert not Attestation.objects.exists()


def test_an_oversized_attestation_is_refused(acme: Organisation) -> None:
    body = {"version": 0, "counts": _counts() * 2000}
    response = _attest(acme, body)
    assert response.status_code == 413
    assert not Attestation.objects.exists()
