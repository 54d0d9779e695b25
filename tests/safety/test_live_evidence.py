"""Checklist items 16-21, 33, 35, 36 and AADC 3, 4, 7, 10, 11 read the safety policy and the
documents live (issue #18, item 7)."""

from __future__ import annotations

import pytest

from karpear.compliance.frameworks import get_framework
from karpear.compliance.live import live_figure
from karpear.documents.services import document_adopt, document_draft
from karpear.orgs.models import Organisation
from karpear.safety.services import Count, attestation_record
from tests.cast import Person

pytestmark = pytest.mark.django_db


def test_the_items_name_the_providers_of_issue_18() -> None:
    cop, aadc = get_framework("cop-checklist"), get_framework("aadc")
    assert cop is not None and aadc is not None
    live = {ref: cop.items[ref].live for ref in cop.items}
    assert live["COP-20"] == "terms_of_use" and live["COP-21"] == "terms_easy_read"
    assert live["COP-33"] == live["COP-36"] == "safety_defaults"
    assert live["COP-35"] == "parental_guidance" and live["COP-16"] == "age_bands_policy"
    assert aadc.items["AADC-7"].live == "safety_defaults"
    assert aadc.items["AADC-10"].live == "location_defaults"


def test_conformance_attested_at_100_percent_proves_items_33_and_36(acme: Organisation) -> None:
    before = live_figure("safety_defaults", acme)
    assert before is not None and before.status == "partial"
    assert before.figures["private_profile_default"] and before.figures["location_off_default"]
    counts = [
        Count("13-15", feature, 1, 0)
        for feature in ("profile_visibility", "location_sharing", "messages_from")
    ]
    attestation_record(organisation=acme, version=0, counts=counts, reported_by="app")
    after = live_figure("safety_defaults", acme)
    assert after is not None and (after.status, after.suggested) == ("proven", "yes")
    assert after.figures["lowest_conformance"] == 100 and after.link == "desk:safety"


def test_the_terms_items_show_the_adopted_version_and_its_easy_read_versions(
    lead: Person, acme: Organisation
) -> None:
    missing = live_figure("terms_easy_read", acme)
    assert missing is not None and missing.status == "missing"
    document_adopt(member=lead.member, kind="terms", texts=document_draft(acme, "terms"))
    terms = live_figure("terms_easy_read", acme)
    assert terms is not None and terms.status == "proven"
    assert terms.figures["document_version"] == 1 and terms.figures["easy_read_versions"] == 3
    assert terms.figures["public_page"] == "/documents/terms/"
    conduct = live_figure("code_of_conduct", acme)
    assert conduct is not None and conduct.status == "missing"
