"""The lead chooses per category what is isolated on receipt (issue #16, item 2)."""

from __future__ import annotations

from typing import Any

import pytest

from karpear.audit.models import AuditEntry
from karpear.cases.models import Case, DecisionKind, State
from karpear.cases.receipt import receipt_policy, receipt_policy_set
from karpear.compliance.policies import policy_draft
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.platformlink.services import link_configure
from tests.cast import Person, make_case, sign_in

PAGE = "/en/desk/settings/isolation/"


@pytest.fixture
def linked(acme: Organisation) -> Organisation:
    link_configure(
        organisation=acme, webhook_url="http://127.0.0.1:9/hook", hosted_domains=["social.example"]
    )
    return acme


def isolated(case: Case) -> bool:
    case.refresh_from_db()
    return case.decisions.filter(kind=DecisionKind.CONTENT_ISOLATE).exists()


def test_the_page_shows_the_defaults_ticked(linked: Organisation, lead: Person) -> None:
    html = sign_in(lead).get(PAGE).content.decode()
    assert 'id="iso_sexual_image" checked' in html and 'id="iso_live_stream" checked' in html
    assert 'id="iso_grooming">' in html
    assert "Now: the deployment" in html


def test_the_lead_turns_grooming_on_and_images_off(linked: Organisation, lead: Person) -> None:
    client = sign_in(lead)
    response = client.post(PAGE, {"category": ["grooming", "live_stream"]})
    assert response.status_code == 302
    assert receipt_policy(linked).categories == ("live_stream", "grooming")
    assert isolated(make_case(linked, url="https://social.example/p/1", category="grooming"))
    assert not isolated(make_case(linked, url="https://social.example/p/2"))
    assert AuditEntry.objects.filter(action="settings_change", object_type="isolate_on_receipt")
    # The drafted procedure follows the organisation's choice.
    text = policy_draft(linked)["takedown"]["en"]
    grooming = next(line for line in text.splitlines() if "asking a child" in line)
    assert grooming.endswith("isolated from public access on receipt, until assessed")
    image = next(line for line in text.splitlines() if "picture or video" in line)
    assert "not isolated on receipt" in image


def test_nothing_ticked_turns_it_off_and_reset_returns_to_the_default(
    linked: Organisation, lead: Person
) -> None:
    client = sign_in(lead)
    client.post(PAGE, {})
    assert receipt_policy(linked).categories == ()
    assert not isolated(make_case(linked, url="https://social.example/p/3"))
    client.post(PAGE, {"reset": "1", "category": ["grooming"]})
    assert receipt_policy(linked).categories == ("sexual_image", "live_stream")


def test_an_analyst_cannot_change_it(linked: Organisation, analyst: Person) -> None:
    assert sign_in(analyst).post(PAGE, {"category": ["other"]}).status_code == 403
    with pytest.raises(ApplicationError) as refused:
        receipt_policy_set(member=analyst.member, categories=["other"])
    assert refused.value.status == 403
    assert receipt_policy(linked).categories == ("sexual_image", "live_stream")


def test_another_organisations_lead_changes_only_their_own(
    linked: Organisation, bayon: Organisation, outsider: Person, settings: Any
) -> None:
    from karpear.staff.models import Role

    outsider.member.role = Role.LEAD
    outsider.member.save(update_fields=["role"])
    link_configure(organisation=bayon, webhook_url="http://127.0.0.1:9/b", hosted_domains=[])
    receipt_policy_set(member=outsider.member, categories=[])
    assert receipt_policy(bayon).categories == ()
    assert receipt_policy(linked).categories == ("sexual_image", "live_stream")


def test_an_unknown_category_is_refused(linked: Organisation, lead: Person) -> None:
    response = sign_in(lead).post(PAGE, {"category": ["pizza"]})
    assert response.status_code == 400
    assert receipt_policy(linked).categories == ("sexual_image", "live_stream")


def test_without_a_platform_link_the_lead_is_told_to_set_it_up(
    acme: Organisation, lead: Person
) -> None:
    response = sign_in(lead).post(PAGE, {"category": ["grooming"]})
    assert response.status_code == 400
    assert "Set up the platform link first" in response.content.decode()
    assert make_case(acme, category="grooming").state == State.RECEIVED
