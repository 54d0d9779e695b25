"""A recipient of evidence or referrals is usable only once a second keeper confirms it:
one insider cannot register an address of their own and send a case to it
(evidence/recipients.py; guidelines 2.6 b)."""

from __future__ import annotations

import pytest

from karpear.audit.models import AuditEntry
from karpear.cases.models import Case
from karpear.core.errors import ApplicationError
from karpear.evidence.disclosure import disclosure_request
from karpear.evidence.models import EvidenceItem, Recipient
from karpear.evidence.recipients import recipient_add, recipient_choices, recipient_confirm
from karpear.orgs.models import Organisation
from tests.cast import Person, _person, sign_in

pytestmark = pytest.mark.django_db


def _added_by(lead: Person) -> Recipient:
    return recipient_add(
        member=lead.member,
        name="Friend",
        agency="ACU",
        kind="law_enforcement",
        contact="f@x.example",
    )


def test_an_unconfirmed_recipient_cannot_be_chosen(
    item: EvidenceItem, case: Case, analyst: Person, lead: Person
) -> None:
    mine = _added_by(lead)
    assert recipient_choices(lead.member) == []
    with pytest.raises(ApplicationError) as refused:
        disclosure_request(
            member=analyst.member,
            case=case,
            recipient_id=mine.pk,
            legal_basis="Order 5",
            item_ids=[item.pk],
        )
    assert refused.value.code == "recipient_required"


def test_nobody_confirms_their_own_recipient(lead: Person, admin: Person) -> None:
    mine = _added_by(lead)
    with pytest.raises(ApplicationError) as refused:
        recipient_confirm(member=lead.member, recipient_id=mine.pk)
    assert refused.value.status == 403
    mine.refresh_from_db()
    assert mine.confirmed_at is None
    assert not AuditEntry.objects.filter(action="recipient_confirm").exists()
    confirmed = recipient_confirm(member=admin.member, recipient_id=mine.pk)
    assert confirmed.confirmed_by == admin.member.user and confirmed.usable
    assert recipient_choices(lead.member) == [confirmed]
    entry = AuditEntry.objects.get(action="recipient_confirm")
    assert entry.actor == admin.member.user and entry.detail == {"added_by": lead.member.user.pk}
    # Confirming again changes nothing and records nothing more.
    again = recipient_confirm(member=lead.member, recipient_id=mine.pk)
    assert again.confirmed_by == admin.member.user
    assert AuditEntry.objects.filter(action="recipient_confirm").count() == 1


def test_the_desk_confirms_with_a_second_keeper_only(
    lead: Person, admin: Person, analyst: Person, bayon: Organisation
) -> None:
    client = sign_in(lead)
    client.post(
        "/en/desk/recipients/",
        {"name": "Officer Sok", "agency": "ACU", "kind": "law_enforcement"},
    )
    acu = Recipient.objects.get(name="Officer Sok")
    assert acu.added_by == lead.member.user and acu.confirmed_at is None
    assert (
        "waiting for another keeper to confirm"
        in client.get("/en/desk/recipients/").content.decode()
    )
    url = f"/en/desk/recipients/{acu.pk}/confirm/"
    assert client.post(url).status_code == 403
    assert sign_in(analyst).post(url).status_code == 403
    outsider_keeper = _person(bayon, "bayon-admin", "admin")  # type: ignore[arg-type]
    assert sign_in(outsider_keeper).post(url).status_code == 404
    acu.refresh_from_db()
    assert acu.confirmed_at is None
    second = sign_in(admin)
    assert "Confirm this recipient" in second.get("/en/desk/recipients/").content.decode()
    assert second.post(url).status_code == 302
    acu.refresh_from_db()
    assert acu.confirmed_by == admin.member.user
    page = client.get("/en/desk/recipients/").content.decode()
    assert admin.username in page and "waiting for another keeper" not in page


def test_the_refusal_is_in_khmer_on_the_khmer_desk(lead: Person) -> None:
    mine = _added_by(lead)
    page = sign_in(lead).post(f"/desk/recipients/{mine.pk}/confirm/")
    assert page.status_code == 403
    assert "អ្នកថែរក្សាម្នាក់ទៀតត្រូវបញ្ជាក់" in page.content.decode()
