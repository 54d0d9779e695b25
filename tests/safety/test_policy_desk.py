"""The safeguarding lead edits and adopts the policy on the desk (issue #18, items 1, 8)."""

from __future__ import annotations

from typing import Any

import pytest

from karpear.audit.models import AuditEntry
from karpear.compliance.frameworks import AGE_BANDS
from karpear.orgs.models import Organisation
from karpear.safety.catalogue import catalogue
from karpear.safety.models import PolicyStatus, SafetyPolicy
from karpear.safety.services import policy_draft
from tests.cast import Person, sign_in

pytestmark = pytest.mark.django_db


def _form(
    settings: dict[str, dict[str, dict[str, str]]], band: str, youngest: str = "10-12"
) -> dict[str, str]:
    """The desk form of one band, as a browser posts it."""
    data = {"band": band, "youngest_band": youngest, "note": "Discoverable for 16-17"}
    for fid, entry in settings[band].items():
        for part, value in entry.items():
            data[f"{band}|{fid}|{part}"] = value
    return data


def test_the_lead_relaxes_one_setting_for_16_17_only_and_adopts_it(
    lead: Person, acme: Organisation, django_assert_max_num_queries: Any
) -> None:
    client = sign_in(lead)
    response = client.post("/en/desk/safety/draft/")
    draft = SafetyPolicy.objects.get(organisation=acme)
    assert response["Location"] == f"/en/desk/safety/{draft.pk}/"
    chosen = catalogue().defaults()
    chosen["16-17"]["discoverable"].update(value="on", assurance="estimated")
    assert client.post(f"/en/desk/safety/{draft.pk}/", _form(chosen, "16-17")).status_code == 302
    assert client.post(f"/en/desk/safety/{draft.pk}/adopt/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.ADOPTED and draft.adopted_by == lead.member.user
    values = {band: draft.settings[band]["discoverable"]["value"] for band in AGE_BANDS}
    assert values == {"0-5": "off", "6-9": "off", "10-12": "off", "13-15": "off", "16-17": "on"}
    adopted = AuditEntry.objects.get(action="safety_policy_adopt")
    assert adopted.detail["version"] == 1
    assert any("16-17 discoverable" in line for line in adopted.detail["changed"])
    with django_assert_max_num_queries(16):  # conformance is one query, whatever the bands
        page = client.get("/en/desk/safety/")
    assert b"Version 1 is served to the apps" in page.content


def test_a_contradiction_is_named_and_changes_nothing(lead: Person, acme: Organisation) -> None:
    draft = policy_draft(member=lead.member)
    chosen = catalogue().defaults()
    chosen["10-12"]["location_sharing"]["value"] = "everyone"
    response = sign_in(lead).post(f"/en/desk/safety/{draft.pk}/", _form(chosen, "10-12"))
    assert response.status_code == 400
    assert b"the 10-12 band is given &#x27;everyone&#x27;" in response.content
    draft.refresh_from_db()
    assert draft.settings == catalogue().defaults()
    assert not AuditEntry.objects.filter(action="safety_policy_edit").exists()


def test_an_adopted_version_never_changes(lead: Person, acme: Organisation) -> None:
    client = sign_in(lead)
    draft = policy_draft(member=lead.member)
    client.post(f"/en/desk/safety/{draft.pk}/adopt/")
    chosen = catalogue().defaults()
    chosen["16-17"]["discoverable"]["value"] = "on"
    client.post(f"/en/desk/safety/{draft.pk}/", _form(chosen, "16-17"))
    again = client.post(f"/en/desk/safety/{draft.pk}/adopt/")
    assert again.status_code == 302
    draft.refresh_from_db()
    assert draft.settings == catalogue().defaults()
    assert AuditEntry.objects.filter(action="safety_policy_adopt").count() == 1
    # A new draft starts from the adopted version, under the next number.
    assert policy_draft(member=lead.member).version == 2


def test_the_compliance_officer_reads_but_cannot_edit(
    lead: Person, compliance: Person, acme: Organisation
) -> None:
    draft = policy_draft(member=lead.member)
    client = sign_in(compliance)
    assert client.get(f"/en/desk/safety/{draft.pk}/").status_code == 200
    assert client.post(f"/en/desk/safety/{draft.pk}/adopt/").status_code == 403
    assert SafetyPolicy.objects.get().status == PolicyStatus.DRAFT


def test_another_organisations_lead_cannot_see_or_adopt(
    lead: Person, bayon: Organisation, acme: Organisation
) -> None:
    from karpear.staff.models import Role
    from tests.cast import _person
    from tests.conftest import BAYON_HOST

    draft = policy_draft(member=lead.member)
    other = sign_in(_person(bayon, "b-lead", Role.LEAD), host=BAYON_HOST)
    assert other.get(f"/en/desk/safety/{draft.pk}/").status_code == 404
    assert other.post(f"/en/desk/safety/{draft.pk}/adopt/").status_code == 404
    assert SafetyPolicy.objects.get().status == PolicyStatus.DRAFT
