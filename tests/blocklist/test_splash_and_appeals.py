"""The splash page and appeals (issue #7, items 9 and 10)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from karpear.audit.models import AuditEntry
from karpear.blocklist.models import Appeal, AppealStatus
from karpear.blocklist.services import appeal_outcome, appeal_url, forward_appeals
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.staff.models import Role
from tests.blocklist.helpers import import_text, register
from tests.cast import Person, sign_in
from tests.conftest import Client

LISTED = "http://bad.example/gallery/1.html"


@pytest.fixture
def listed(acme: Organisation) -> None:
    import_text(acme, register(acme), LISTED + "\n")


def test_the_splash_page_names_the_source_in_khmer_and_english_and_nothing_else(
    client: Client, listed: None
) -> None:
    km = client.get("/blocked/", {"url": LISTED})
    assert km.status_code == 403
    page = km.content.decode()
    assert 'lang="km"' in page and "ទំព័រនេះត្រូវបានបិទ" in page
    assert "Internet Watch Foundation" in page
    assert "1280" in page  # the child helpline
    en = client.get("/en/blocked/", {"url": LISTED}).content.decode()
    assert "This page is blocked" in en and "as identified by Internet Watch Foundation" in en
    assert "Blocked by mistake?" in en
    # Not listed, or not even a URL: a plain page, no error, no detail.
    other = client.get("/en/blocked/", {"url": "http://fine.example/"})
    assert other.status_code == 200 and "Internet Watch Foundation" not in other.content.decode()
    assert client.get("/en/blocked/", {"url": "javascript:alert(1)"}).status_code == 200


def test_an_appeal_is_recorded_forwarded_to_the_source_and_its_outcome_kept(
    client: Client, acme: Organisation, listed: None, lead: Person
) -> None:
    response = client.post(
        "/en/blocked/",
        {"url": LISTED, "reason": "This is my bakery's menu.", "contact": "owner@bakery.test"},
    )
    assert response.status_code == 200, response.content
    appeal = Appeal.objects.get()
    assert appeal.reference in response.content.decode()
    assert appeal.status == AppealStatus.RECEIVED and appeal.source is not None
    assert appeal.entry_reference == "IWF-2026-11-20"
    assert appeal_url(appeal) == LISTED
    assert "bakery.test" not in appeal.contact_enc  # encrypted at rest

    assert forward_appeals() == 1
    assert forward_appeals() == 0  # sent once
    (message,) = mail.outbox
    assert message.to == ["appeals@iwf.test"]
    assert appeal.reference in message.subject and LISTED in message.body
    assert "owner@bakery.test" not in message.body  # the source gets the page, not the person
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.FORWARDED

    desk = sign_in(lead)
    assert appeal.reference in desk.get("/en/desk/blocklist/").content.decode()
    desk.post(f"/en/desk/blocklist/appeals/{appeal.pk}/", {"outcome": "kept", "note": "IWF: kept"})
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.KEPT and appeal.outcome_by == lead.username
    # The list does not change because of an appeal: only the source's list does.
    assert client.get("/en/blocked/", {"url": LISTED}).status_code == 403
    with pytest.raises(ApplicationError):
        appeal_outcome(
            organisation=acme,
            appeal_id=appeal.pk,
            outcome="removed",
            note="",
            actor=lead.member.user,
        )
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "blocklist_appeal_received",
        "blocklist_appeal_forwarded",
        "blocklist_appeal_outcome",
    } <= actions


def test_appeal_form_errors_are_shown_in_the_person_s_language(
    client: Client, listed: None
) -> None:
    response = client.post("/blocked/", {"url": "", "reason": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert Appeal.objects.count() == 0
    en = client.post("/en/blocked/", {"url": LISTED, "reason": " "}).content.decode()
    assert "Please tell us why the page should not be blocked." in en


def test_an_appeal_about_a_page_not_on_the_list_says_so(client: Client, listed: None) -> None:
    response = client.post("/en/blocked/", {"url": "http://fine.example/", "reason": "blocked!"})
    assert "This page is not on our list." in response.content.decode()
    assert Appeal.objects.get().status == AppealStatus.NOT_LISTED
    assert forward_appeals() == 0


def test_appeals_are_rate_limited(client: Client, listed: None, settings: object) -> None:
    for _ in range(5):
        client.post("/en/blocked/", {"url": LISTED, "reason": "mine"})
    response = client.post("/en/blocked/", {"url": LISTED, "reason": "mine"})
    assert response.status_code == 429
    assert Appeal.objects.count() == 5


def test_another_organisation_s_lead_sees_none_of_the_appeals(
    client: Client, listed: None, bayon: Organisation
) -> None:
    from tests.cast import _person

    client.post("/en/blocked/", {"url": LISTED, "reason": "mine"})
    reference = Appeal.objects.get().reference
    bayon_lead = _person(bayon, "bopha", Role.LEAD)
    page = sign_in(bayon_lead, host="bayon.test").get("/en/desk/blocklist/")
    assert page.status_code == 200  # the page itself is open to a lead
    text = page.content.decode()
    assert reference not in text
    # Nor acme's sources: "IWF" as a word, not three letters of the page's random CSRF token.
    assert "Internet Watch Foundation" not in text and not re.search(r"\bIWF\b", text)
