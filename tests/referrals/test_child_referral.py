"""E-referral of the child with consent, only the chosen fields, proposed by one person and
approved by another (issue #17, items 5 and 9; PRODUCT "no one alone")."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from karpear.audit.models import AuditEntry
from karpear.cases import services
from karpear.cases.models import Case, CaseEvent, VictimReferral
from karpear.cases.referrals import referral_services
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.referrals.child import (
    child_referral_approve,
    child_referral_close,
    child_referral_propose,
)
from karpear.referrals.models import ChildReferralProposal, Purpose, Referral
from tests.cast import Person, make_case, sign_in
from tests.conftest import Client
from tests.evidence.conftest import screen
from tests.referrals.helpers import ACU, ack, get, key

HELPLINE = "Child Helpline Cambodia"


def _consent(case: Case, lead: Person, consent_by: str = "child") -> VictimReferral:
    helpline = next(s for s in referral_services(case.organisation) if s.name_en == HELPLINE)
    case.refresh_from_db()
    return services.victim_referral_record(
        case=case,
        member=lead.member,
        consent_by=consent_by,
        service_id=helpline.pk,
        service_reference="",
        consent_method="phone",
        consent_at=timezone.now() - timedelta(minutes=1),
        consent_obtained_by="vanna, safeguarding lead",
        expected_version=case.version,
    )


def _outcome(client: Client, token: str, referral_id: int, body: object) -> Any:
    return client.post(
        f"/api/v1/referrals/{referral_id}/outcome",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.fixture
def helpline_token(acme: Organisation) -> str:
    return key(acme, HELPLINE)


@pytest.fixture
def second(analyst2: Person) -> Person:
    """The second person: another case worker with a clear screening (guidelines 2.6 b)."""
    screen(analyst2)
    return analyst2


def child_referral_send(
    *, victim_referral_id: int, member: Any, fields: list[str], approver: Person
) -> Referral:
    proposal = child_referral_propose(
        victim_referral_id=victim_referral_id, member=member, fields=fields
    )
    return child_referral_approve(proposal_id=proposal.pk, member=approver.member)


def test_only_the_chosen_fields_reach_the_helpline_which_acknowledges_and_reports_back(
    client: Client, acme: Organisation, lead: Person, second: Person, helpline_token: str
) -> None:
    case = make_case(acme, contact=True)
    victim = _consent(case, lead)
    referral = child_referral_send(
        victim_referral_id=victim.pk, member=lead.member, fields=["phone"], approver=second
    )
    assert referral.purpose == Purpose.CHILD and referral.recipient.name == HELPLINE
    body = get(client, helpline_token, f"/api/v1/referrals/{referral.pk}").json()
    assert body["report"]["child"] == {"phone": "012345678"}
    assert "Sokha" not in json.dumps(body)  # the name was not chosen
    assert {w["field"] for w in body["withheld"]} >= {"child.name", "child.email"}
    assert ack(client, helpline_token, referral.pk, {"reference": "CHC-9"}).status_code == 201
    response = _outcome(client, helpline_token, referral.pk, {"outcome": "contacted"})
    assert response.status_code == 201, response.content
    assert (
        _outcome(client, helpline_token, referral.pk, {"outcome": "contacted"}).status_code == 200
    )
    conflict = _outcome(client, helpline_token, referral.pk, {"outcome": "declined"})
    assert conflict.status_code == 409
    referral.refresh_from_db()
    assert referral.outcome == "contacted" and referral.recipient_reference == "CHC-9"
    page = sign_in(lead).get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert "CHC-9" in page and "Contacted" in page
    for action in ("child_referral_propose", "child_referral_approve"):
        entry = AuditEntry.objects.get(action=action)
        assert "012345678" not in json.dumps(entry.detail)
    assert CaseEvent.objects.filter(case=case, kind="referral_outcome").count() == 1


def test_without_consent_nothing_about_the_child_leaves(
    acme: Organisation, lead: Person, helpline_token: str
) -> None:
    case = make_case(acme, contact=True)
    victim = _consent(case, lead, consent_by="none")
    with pytest.raises(ApplicationError) as refused:
        child_referral_propose(victim_referral_id=victim.pk, member=lead.member, fields=["phone"])
    assert refused.value.code == "consent_required"
    assert not Referral.objects.exists()


@pytest.mark.parametrize("fields", [[], ["address"], ["phone", "photo"]])
def test_unknown_or_no_fields_are_refused(
    acme: Organisation, lead: Person, helpline_token: str, fields: list[str]
) -> None:
    victim = _consent(make_case(acme, contact=True), lead)
    with pytest.raises(ApplicationError):
        child_referral_propose(victim_referral_id=victim.pk, member=lead.member, fields=fields)
    assert not Referral.objects.exists() and not ChildReferralProposal.objects.exists()


def test_only_the_lead_of_the_same_organisation_proposes(
    acme: Organisation, lead: Person, analyst: Person, outsider: Person, helpline_token: str
) -> None:
    victim = _consent(make_case(acme, contact=True), lead)
    with pytest.raises(ApplicationError) as refused:
        child_referral_propose(
            victim_referral_id=victim.pk, member=analyst.member, fields=["phone"]
        )
    assert refused.value.status == 403
    outsider.member.role = "lead"
    with pytest.raises(ApplicationError) as hidden:
        child_referral_propose(
            victim_referral_id=victim.pk, member=outsider.member, fields=["phone"]
        )
    assert hidden.value.status == 404
    assert not Referral.objects.exists() and not ChildReferralProposal.objects.exists()


def test_a_repeated_form_proposes_once_and_a_repeated_approval_sends_once_on_the_desk(
    client: Client, acme: Organisation, lead: Person, second: Person, helpline_token: str
) -> None:
    case = make_case(acme, contact=True)
    victim = _consent(case, lead)
    desk = sign_in(lead)
    for _ in range(2):
        response = desk.post(
            f"/en/desk/victim-referrals/{victim.pk}/send/",
            {"share": ["phone", "age_band"], "case": case.pk},
        )
        assert response.status_code == 302
    proposal = ChildReferralProposal.objects.get()
    assert not Referral.objects.exists()  # nothing leaves on one person's word
    assert get(client, helpline_token, "/api/v1/referrals").json()["referrals"] == []
    page = desk.get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert "A second person must approve" in page and "Approve and send" not in page
    own = desk.post(f"/en/desk/child-referrals/{proposal.pk}/approve/")
    assert own.status_code == 302 and not Referral.objects.exists()
    other = sign_in(second)
    assert "Approve and send" in other.get(f"/en/desk/cases/{case.pk}/").content.decode()
    for _ in range(2):
        assert other.post(f"/en/desk/child-referrals/{proposal.pk}/approve/").status_code == 302
    assert Referral.objects.filter(purpose=Purpose.CHILD).count() == 1
    inbox = get(client, helpline_token, "/api/v1/referrals").json()["referrals"]
    assert [r["purpose"] for r in inbox] == ["child"]
    page = desk.get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert "Approved and sent</strong> (sophea)" in page
    assert "approved by a second person" in page and "waits for a second person" in page
    assert AuditEntry.objects.filter(action="child_referral_approve").count() == 1


def test_the_acu_cannot_read_or_answer_the_childs_referral(
    client: Client, acme: Organisation, lead: Person, second: Person, helpline_token: str
) -> None:
    victim = _consent(make_case(acme, contact=True), lead)
    referral = child_referral_send(
        victim_referral_id=victim.pk, member=lead.member, fields=["phone"], approver=second
    )
    acu = key(acme, ACU)
    assert get(client, acu, f"/api/v1/referrals/{referral.pk}").status_code == 404
    assert _outcome(client, acu, referral.pk, {"outcome": "contacted"}).status_code == 404
    assert _outcome(client, helpline_token, referral.pk, {"outcome": "maybe"}).status_code == 400
    referral.refresh_from_db()
    assert referral.outcome == ""


def _proposal(case: Case, lead: Person) -> ChildReferralProposal:
    victim = _consent(case, lead)
    return child_referral_propose(
        victim_referral_id=victim.pk, member=lead.member, fields=["phone"]
    )


def test_nobody_approves_their_own_and_only_a_screened_case_worker_of_the_organisation_does(
    acme: Organisation,
    lead: Person,
    analyst: Person,
    compliance: Person,
    outsider: Person,
) -> None:
    key(acme, HELPLINE)
    proposal = _proposal(make_case(acme, contact=True), lead)
    screen(lead)
    screen(compliance)
    screen(outsider)
    refusals = {}
    for person in (lead, analyst, compliance, outsider):  # own; unscreened; wrong role; Bayon
        with pytest.raises(ApplicationError) as refused:
            child_referral_approve(proposal_id=proposal.pk, member=person.member)
        refusals[person.username] = (refused.value.status, refused.value.code)
    assert refusals == {
        "vanna": (403, "own_proposal"),
        "dara": (403, "forbidden"),
        "chenda": (403, "forbidden"),
        "mony": (404, "not_found"),
    }
    with pytest.raises(ApplicationError):  # the proposer cannot decline it either
        child_referral_close(
            proposal_id=proposal.pk, member=lead.member, status="declined", reason="no"
        )
    assert not Referral.objects.exists()
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


def test_after_consent_is_withdrawn_nothing_is_approved_or_proposed_again(
    client: Client, acme: Organisation, lead: Person, second: Person, helpline_token: str
) -> None:
    case = make_case(acme, contact=True)
    proposal = _proposal(case, lead)
    closed = child_referral_close(
        proposal_id=proposal.pk, member=lead.member, status="withdrawn", reason="mother called"
    )
    assert closed.status == "withdrawn" and closed.decided_by == lead.member.user
    with pytest.raises(ApplicationError) as refused:
        child_referral_approve(proposal_id=proposal.pk, member=second.member)
    assert (refused.value.status, refused.value.code) == (409, "proposal_closed")
    with pytest.raises(ApplicationError) as again:
        child_referral_propose(
            victim_referral_id=proposal.victim_referral_id, member=lead.member, fields=["phone"]
        )
    assert again.value.code == "consent_withdrawn"
    assert not Referral.objects.exists()
    assert get(client, helpline_token, "/api/v1/referrals").json()["referrals"] == []
    assert CaseEvent.objects.filter(case=case, kind="child_referral_withdrawn").count() == 1


def test_a_declined_proposal_sends_nothing_and_the_lead_may_propose_again(
    acme: Organisation, lead: Person, second: Person, helpline_token: str
) -> None:
    proposal = _proposal(make_case(acme, contact=True), lead)
    with pytest.raises(ApplicationError) as no_reason:
        child_referral_close(
            proposal_id=proposal.pk, member=second.member, status="declined", reason=" "
        )
    assert no_reason.value.code == "reason_required"
    child_referral_close(
        proposal_id=proposal.pk, member=second.member, status="declined", reason="ask for less"
    )
    with pytest.raises(ApplicationError):
        child_referral_approve(proposal_id=proposal.pk, member=second.member)
    again = child_referral_propose(
        victim_referral_id=proposal.victim_referral_id, member=lead.member, fields=["age_band"]
    )
    assert again.pk != proposal.pk and again.status == "proposed"
    assert not Referral.objects.exists()


def test_sending_a_childs_referral_again_never_rebuilds_it_from_the_case(
    client: Client, acme: Organisation, lead: Person, second: Person, helpline_token: str
) -> None:
    from karpear.referrals.services import referral_resend

    victim = _consent(make_case(acme, contact=True), lead)
    referral = child_referral_send(
        victim_referral_id=victim.pk, member=lead.member, fields=["age_band"], approver=second
    )
    before = referral.report
    referral_resend(referral=referral, member=second.member)
    referral.refresh_from_db()
    assert referral.send_count == 2 and referral.report == before
    body = get(client, helpline_token, f"/api/v1/referrals/{referral.pk}").json()
    assert "social.example" not in json.dumps(body) and "012345678" not in json.dumps(body)


def test_a_childs_referral_is_never_emailed_even_to_a_registered_address_of_its_kind(
    acme: Organisation, lead: Person, second: Person, helpline_token: str
) -> None:
    from django.core import mail

    from karpear.notices.models import Issuer, IssuerKind
    from karpear.referrals.mail import email_recipients, referral_email
    from tests.cast import register_recipient

    case = make_case(acme, contact=True)
    victim = _consent(case, lead)
    referral = child_referral_send(
        victim_referral_id=victim.pk, member=lead.member, fields=["phone"], approver=second
    )
    # Even a service that is also the hotline, with an e-mail address on the register: the
    # child's details go only to the inbox the child agreed to, never to an address.
    Issuer.objects.filter(pk=referral.recipient_id).update(kind=IssuerKind.HOTLINE)
    officer = register_recipient(
        lead.member, name="Duty", agency="Helpline", kind="hotline", contact="d@h.example"
    )
    referral.refresh_from_db()
    assert email_recipients(referral=referral) == []
    with pytest.raises(ApplicationError) as refused:
        referral_email(member=lead.member, referral_id=referral.pk, recipient_id=officer.pk)
    assert refused.value.status == 404 and mail.outbox == []
    assert not AuditEntry.objects.filter(action="referral_email").exists()
