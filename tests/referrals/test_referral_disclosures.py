"""The inbox shows an approved disclosure of the case to the recipient's agency (#17, item 2)."""

from __future__ import annotations

from typing import Any

from karpear.cases.models import Authority, Case
from karpear.evidence.disclosure import disclosure_approve, disclosure_request
from karpear.evidence.models import EvidenceItem
from karpear.orgs.models import Organisation
from karpear.referrals.models import Referral
from tests.cast import Person, _person, register_recipient
from tests.conftest import Client
from tests.evidence.conftest import case, item, recipient, screen  # noqa: F401 - fixtures
from tests.referrals.helpers import HOTLINE, get, key, refer


def test_the_acu_sees_the_manifest_of_an_approved_disclosure_and_the_hotline_does_not(  # noqa: PLR0917 - fixtures
    client: Client,
    acme: Organisation,
    analyst: Person,
    lead: Person,
    case: Case,  # noqa: F811
    item: EvidenceItem,  # noqa: F811
    recipient: Any,  # noqa: F811
) -> None:
    refer(case, analyst, Authority.ACU, Authority.HOTLINE)
    acu_referral = Referral.objects.get(recipient__kind="acu")
    token = key(acme)
    assert get(client, token, f"/api/v1/referrals/{acu_referral.pk}").json()["disclosures"] == []
    screen(lead)
    pending = disclosure_request(
        member=lead.member,
        case=case,
        recipient_id=recipient.pk,
        legal_basis="Court order 77/2026",
        item_ids=[item.pk],
    )
    second = _person(acme, "second-lead", "lead")  # type: ignore[arg-type]
    screen(second)
    disclosure_approve(member=second.member, disclosure_id=pending.pk)
    [shown] = get(client, token, f"/api/v1/referrals/{acu_referral.pk}").json()["disclosures"]
    assert shown["id"] == pending.pk and item.sha256 in str(shown["manifest"])
    hotline_referral = Referral.objects.get(recipient__kind="hotline")
    body = get(client, key(acme, HOTLINE), f"/api/v1/referrals/{hotline_referral.pk}").json()
    assert body["disclosures"] == []


def test_the_acu_does_not_see_a_disclosure_made_to_another_police_unit(  # noqa: PLR0917 - fixtures
    client: Client,
    acme: Organisation,
    analyst: Person,
    lead: Person,
    case: Case,  # noqa: F811
    item: EvidenceItem,  # noqa: F811
    recipient: Any,  # noqa: F811
) -> None:
    """A recipient sees only disclosures made to it: another law-enforcement agency on the
    register is of the ACU's kind, but a disclosure to it is not the ACU's to read."""
    refer(case, analyst, Authority.ACU)
    acu_referral = Referral.objects.get(recipient__kind="acu")
    provincial = register_recipient(
        lead.member,
        name="Duty officer",
        agency="Provincial Police, Siem Reap",
        kind="law_enforcement",
    )
    screen(lead)
    second = _person(acme, "second-lead", "lead")  # type: ignore[arg-type]
    screen(second)
    for to, basis in ((provincial, "Warrant 5/2026"), (recipient, "Court order 77/2026")):
        pending = disclosure_request(
            member=lead.member,
            case=case,
            recipient_id=to.pk,
            legal_basis=basis,
            item_ids=[item.pk],
        )
        disclosure_approve(member=second.member, disclosure_id=pending.pk)
    shown = get(client, key(acme), f"/api/v1/referrals/{acu_referral.pk}").json()["disclosures"]
    assert [d["legal_basis"] for d in shown] == ["Court order 77/2026"]
    assert all(d["agency"] == "Anti-Cybercrime Unit" for d in shown)
