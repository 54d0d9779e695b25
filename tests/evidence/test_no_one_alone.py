"""No one alone (issue #15, item 2; guidelines 2.6 b): each rule walked by one person trying
alone, then done properly by two."""

from __future__ import annotations

from typing import Any

import pytest

from karpear.audit.models import AuditEntry
from karpear.cases.models import Case
from karpear.core.errors import ApplicationError
from karpear.evidence.disclosure import disclosure_approve, disclosure_request
from karpear.evidence.models import Disclosure, EvidenceItem, PersonnelRecord, Recipient
from karpear.evidence.register import personnel_record_set
from karpear.orgs.models import Organisation
from tests.cast import Person, _person, sign_in
from tests.conftest import BAYON_HOST
from tests.evidence.conftest import screen


def _request(person: Person, case: Case, item: EvidenceItem, recipient: Any) -> Disclosure:
    return disclosure_request(
        member=person.member,
        case=case,
        recipient_id=recipient.pk,
        legal_basis="Court order 77/2026",
        item_ids=[item.pk],
    )


def test_a_lead_cannot_approve_their_own_disclosure(
    item: EvidenceItem, case: Case, lead: Person, recipient: Any, acme: Organisation
) -> None:
    screen(lead)
    own = _request(lead, case, item, recipient)
    with pytest.raises(ApplicationError) as refused:
        disclosure_approve(member=lead.member, disclosure_id=own.pk)
    assert refused.value.code == "own_request"
    own.refresh_from_db()
    assert own.status == "requested" and not own.package_file
    assert AuditEntry.objects.filter(action="disclosure_own_refused").count() == 1
    # On the desk too: no approve button for one's own request, and a POST is refused.
    client = sign_in(lead)
    assert "Waiting for someone else" in client.get("/en/desk/disclosures/").content.decode()
    assert client.post(f"/en/desk/disclosures/{own.pk}/approve/").status_code == 403
    # A second, screened lead approves it.
    second = _person(acme, "second-lead", "lead")  # type: ignore[arg-type]
    screen(second)
    disclosure, _key = disclosure_approve(member=second.member, disclosure_id=own.pk)
    assert disclosure.status == "approved" and disclosure.decided_by == second.member.user
    entry = AuditEntry.objects.get(action="disclosure_approve")
    assert entry.detail["requested_by"] == lead.username


def test_a_free_text_recipient_is_refused(item: EvidenceItem, case: Case, analyst: Person) -> None:
    screen(analyst)
    Case.objects.filter(pk=case.pk).update(assignee=analyst.member.user)
    response = sign_in(analyst).post(
        f"/en/desk/evidence/{item.pk}/disclose/",
        {"recipient": "My friend", "agency": "Nobody", "legal_basis": "because"},
    )
    assert response.status_code == 400
    assert not Disclosure.objects.exists()


def test_another_organisations_recipient_cannot_be_chosen(
    item: EvidenceItem, case: Case, analyst: Person, outsider: Person, bayon: Organisation
) -> None:
    bayon_lead = _person(bayon, "bayon-lead", "lead")  # type: ignore[arg-type]
    from tests.cast import register_recipient

    theirs = register_recipient(bayon_lead.member, name="X", agency="Y", kind="court")
    with pytest.raises(ApplicationError):
        disclosure_request(
            member=analyst.member,
            case=case,
            recipient_id=theirs.pk,
            legal_basis="order",
            item_ids=[item.pk],
        )
    assert not Disclosure.objects.exists()


def test_a_recipient_taken_off_the_register_blocks_pending_approval(
    item: EvidenceItem, case: Case, analyst: Person, lead: Person, recipient: Any
) -> None:
    from karpear.evidence.recipients import recipient_set_active

    screen(lead)
    pending = _request(analyst, case, item, recipient)
    recipient_set_active(member=lead.member, recipient_id=recipient.pk, active=False)
    with pytest.raises(ApplicationError) as refused:
        disclosure_approve(member=lead.member, disclosure_id=pending.pk)
    assert refused.value.code == "recipient_inactive"


def test_nobody_clears_their_own_screening(lead: Person, admin: Person) -> None:
    from datetime import date, timedelta

    from django.utils import timezone

    today = timezone.localdate()
    values: dict[str, date | None] = {
        "screened_on": today,
        "screening_expires_on": today + timedelta(days=365),
    }
    for person in (lead, admin):
        with pytest.raises(ApplicationError) as refused:
            personnel_record_set(
                staff=person.member, actor=person.member, values=values, result="clear"
            )
        assert refused.value.code == "own_entry"
    assert not PersonnelRecord.objects.exists()
    response = sign_in(lead).post(
        "/en/desk/personnel/save/",
        {
            "staff": lead.member.pk,
            "screening_result": "clear",
            "screened_on": str(today),
            "screening_expires_on": str(today + timedelta(days=365)),
        },
    )
    assert response.status_code == 403
    assert not PersonnelRecord.objects.exists()
    assert AuditEntry.objects.filter(action="personnel_own_refused").count() == 3


def test_a_screening_change_is_audited_with_before_and_after(lead: Person, analyst: Person) -> None:
    from datetime import date

    personnel_record_set(
        staff=analyst.member,
        actor=lead.member,
        values={"screened_on": date(2026, 1, 5), "screening_expires_on": date(2027, 1, 5)},
        result="clear",
    )
    personnel_record_set(
        staff=analyst.member,
        actor=lead.member,
        values={"screened_on": date(2026, 1, 5), "screening_expires_on": date(2027, 1, 5)},
        result="not_clear",
    )
    last = AuditEntry.objects.filter(action="personnel_update").order_by("-id").first()
    assert last is not None
    assert last.detail["before"]["screening_result"] == "clear"
    assert last.detail["after"]["screening_result"] == "not_clear"
    assert last.detail["after"]["screening_expires_on"] == "2027-01-05"


def test_another_organisations_staff_are_not_on_the_register(
    lead: Person, outsider: Person
) -> None:
    response = sign_in(lead).post(
        "/en/desk/personnel/save/", {"staff": outsider.member.pk, "screening_result": "clear"}
    )
    assert response.status_code == 302
    assert not PersonnelRecord.objects.filter(staff=outsider.member).exists()


def test_the_recipient_register_on_the_desk(lead: Person, analyst: Person) -> None:
    client = sign_in(lead)
    response = client.post(
        "/en/desk/recipients/",
        {"name": "Officer Sok", "agency": "Anti-Cybercrime Unit", "kind": "law_enforcement"},
    )
    assert response.status_code == 302
    acu = Recipient.objects.get(name="Officer Sok")
    assert acu.organisation == lead.member.organisation and acu.active
    assert "Officer Sok" in client.get("/en/desk/recipients/").content.decode()
    client.post(f"/en/desk/recipients/{acu.pk}/", {"active": "0"})
    acu.refresh_from_db()
    assert not acu.active
    entry = AuditEntry.objects.get(action="recipient_active")
    assert entry.detail == {"before": True, "after": False}
    assert AuditEntry.objects.filter(action="recipient_add", actor=lead.member.user).exists()
    assert sign_in(analyst).get("/en/desk/recipients/").status_code == 403


@pytest.mark.parametrize(
    "form",
    [
        {"name": "Officer\x00Sok", "agency": "ACU", "kind": "law_enforcement"},
        {"name": "", "agency": "ACU", "kind": "law_enforcement"},
        {"name": "Sok", "agency": "ACU", "kind": "my_friend"},
    ],
)
def test_bad_recipients_are_refused(lead: Person, form: dict[str, str]) -> None:
    assert sign_in(lead).post("/en/desk/recipients/", form).status_code == 400
    assert not Recipient.objects.exists()


def test_another_organisations_recipient_is_not_found(
    lead: Person, bayon: Organisation, recipient: Any
) -> None:
    bayon_lead = _person(bayon, "bayon-lead", "lead")  # type: ignore[arg-type]
    client = sign_in(bayon_lead, host=BAYON_HOST)
    assert client.post(f"/en/desk/recipients/{recipient.pk}/", {"active": "0"}).status_code == 404
    assert "Officer Sok" not in client.get("/en/desk/recipients/").content.decode()
    recipient.refresh_from_db()
    assert recipient.active


def test_two_leads_approving_at_once_make_one_decision_and_one_package(  # noqa: PLR0917
    item: EvidenceItem,
    case: Case,
    analyst: Person,
    lead: Person,
    recipient: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second lead's approval lands while the first is building its package (the
    interleaving is forced by running it from inside the first one's read of the item)."""
    import karpear.evidence.disclosure as disclosure_module
    from karpear.evidence.disclosure import package_path

    second = _person(case.organisation, "second-lead", "lead")  # type: ignore[arg-type]
    screen(lead)
    screen(second)
    pending = _request(analyst, case, item, recipient)
    from karpear.evidence.services import read_plain as real_read

    interleaved: list[Person] = []

    def read_then_let_the_other_lead_in(target: EvidenceItem) -> bytes:
        if not interleaved:
            interleaved.append(second)
            disclosure_approve(member=second.member, disclosure_id=pending.pk)
        return real_read(target)

    monkeypatch.setattr(disclosure_module, "read_plain", read_then_let_the_other_lead_in)
    with pytest.raises(ApplicationError) as late:
        disclosure_approve(member=lead.member, disclosure_id=pending.pk)
    assert late.value.code == "decided"
    pending.refresh_from_db()
    assert pending.decided_by == second.member.user
    packages = list(package_path(pending).parent.glob(f"disclosure-{pending.pk}-*.kpd"))
    assert packages == [package_path(pending)]
    assert AuditEntry.objects.filter(action="disclosure_approve").count() == 1


def test_a_nul_byte_in_the_legal_basis_is_refused(
    item: EvidenceItem, case: Case, analyst: Person, recipient: Any
) -> None:
    screen(analyst)
    Case.objects.filter(pk=case.pk).update(assignee=analyst.member.user)
    response = sign_in(analyst).post(
        f"/en/desk/evidence/{item.pk}/disclose/",
        {"registered_recipient": recipient.pk, "legal_basis": "order\x00 77"},
    )
    assert response.status_code == 400
    assert not Disclosure.objects.exists()
