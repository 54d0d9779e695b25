"""Every look at evidence reaches the audit chain (issue #15 review; guidelines 2.6 b).

The case page and each opening of the bytes were audited; the evidence item's own page and
the download of an approved disclosure package were not.
"""

from __future__ import annotations

from typing import Any

from karpear.audit.models import AuditEntry
from karpear.cases.models import Case
from karpear.evidence.disclosure import disclosure_approve, disclosure_request
from karpear.evidence.models import Disclosure, EvidenceItem
from karpear.orgs.models import Organisation
from tests.cast import Person, _person, register_recipient, sign_in
from tests.evidence.conftest import case, item, screen

__all__ = ["case", "item"]  # the vault fixtures, shared with tests/evidence


def test_the_evidence_page_is_audited(item: EvidenceItem, case: Case, lead: Person) -> None:
    screen(lead)
    page = sign_in(lead).get(f"/en/desk/evidence/{item.pk}/")
    assert page.status_code == 200
    entry = AuditEntry.objects.get(action="evidence_page")
    assert entry.actor == lead.member.user and entry.object_id == str(item.pk)
    assert entry.detail["case"] == case.pk


def test_a_refused_evidence_page_is_not_recorded_as_seen(
    item: EvidenceItem, analyst: Person
) -> None:
    screen(analyst)  # not working the case
    assert sign_in(analyst).get(f"/en/desk/evidence/{item.pk}/").status_code == 403
    assert not AuditEntry.objects.filter(action="evidence_page").exists()


def _approved_disclosure(
    item: EvidenceItem, case: Case, analyst: Person, lead: Person
) -> Disclosure:
    """The analyst (screened, working the case) asks to disclose the item; the lead approves."""
    screen(analyst)
    screen(lead)
    Case.objects.filter(pk=case.pk).update(assignee=analyst.member.user)
    recipient = register_recipient(
        lead.member, name="Officer Sok", agency="ACU", kind="law_enforcement"
    )
    requested = disclosure_request(
        member=analyst.member,
        case=case,
        recipient_id=recipient.pk,
        legal_basis="Court order 77/2026",
        item_ids=[item.pk],
    )
    disclosure, _key = disclosure_approve(member=lead.member, disclosure_id=requested.pk)
    return disclosure


def test_downloading_a_disclosure_package_is_audited(
    item: EvidenceItem, case: Case, analyst: Person, lead: Person, acme: Organisation
) -> None:
    disclosure = _approved_disclosure(item, case, analyst, lead)
    second: Any = _person(acme, "second-lead", "lead")  # type: ignore[arg-type]
    screen(second)
    response = sign_in(second).get(f"/en/desk/disclosures/{disclosure.pk}/package/")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="disclosure_package")
    assert entry.actor == second.member.user and entry.object_id == str(disclosure.pk)


def test_an_unscreened_lead_cannot_download_a_package(
    item: EvidenceItem, case: Case, analyst: Person, lead: Person, acme: Organisation
) -> None:
    """The package is evidence leaving the vault: the same screening as opening an item."""
    disclosure = _approved_disclosure(item, case, analyst, lead)
    unscreened: Any = _person(acme, "new-lead", "lead")  # type: ignore[arg-type]
    response = sign_in(unscreened).get(f"/en/desk/disclosures/{disclosure.pk}/package/")
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="disclosure_package").exists()


def test_a_grant_from_another_session_opens_nothing(
    item: EvidenceItem, case: Case, analyst: Person
) -> None:
    """The same person signed in twice: the picture grant of one session is not the other's."""
    import re

    screen(analyst)
    Case.objects.filter(pk=case.pk).update(assignee=analyst.member.user)
    first, second = sign_in(analyst), sign_in(analyst)
    page = first.get(f"/en/desk/evidence/{item.pk}/").content.decode()
    src = re.search(r'<img src="([^"]+)"', page)
    assert src
    url = src.group(1).replace("&amp;", "&")
    assert second.get(url).status_code == 400
    assert first.get(url).status_code == 200
