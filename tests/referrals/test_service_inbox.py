"""A service's inbox is a binding two keepers made, never a name (referrals/inboxes.py): one
administrator alone cannot make a child's referral reach a key they hold."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import apikey_create
from karpear.audit.models import AuditEntry
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.referrals.child import child_referral_approve, child_referral_propose
from karpear.referrals.inboxes import inbox_confirm, inbox_issue, inbox_unbind
from karpear.referrals.models import Referral, ServiceInbox
from tests.cast import Person, make_case, sign_in
from tests.conftest import Client
from tests.referrals.helpers import get, service_key
from tests.referrals.test_child_referral import HELPLINE, _consent, _proposal


@pytest.fixture
def second(analyst2: Person) -> Person:
    from tests.evidence.conftest import screen

    screen(analyst2)
    return analyst2


def _helpline_id(acme: Organisation) -> int:
    from karpear.cases.referrals import referral_services

    return next(s.pk for s in referral_services(acme) if s.name_en == HELPLINE)


def test_a_key_named_as_the_service_by_one_administrator_receives_no_child(
    client: Client, acme: Organisation, lead: Person
) -> None:
    token = apikey_create(organisation=acme, scope=Scope.ISSUER, name=HELPLINE)[1]
    victim = _consent(make_case(acme, contact=True), lead)
    with pytest.raises(ApplicationError) as refused:
        child_referral_propose(victim_referral_id=victim.pk, member=lead.member, fields=["phone"])
    with translation.override("en"):  # the message is lazy: read it in English
        assert refused.value.code == "no_inbox" and "second person" in str(refused.value.message)
    assert not Referral.objects.exists()
    assert get(client, token, "/api/v1/referrals").json()["referrals"] == []


def test_a_binding_is_made_by_one_keeper_and_confirmed_by_another(
    acme: Organisation, lead: Person, admin: Person, analyst: Person, second: Person
) -> None:
    service_id = _helpline_id(acme)
    with pytest.raises(ApplicationError) as analysts:
        inbox_issue(member=analyst.member, service_id=service_id)
    assert analysts.value.status == 403
    binding, token = inbox_issue(member=admin.member, service_id=service_id)
    assert token.startswith(f"kp_service_{binding.key.prefix}_")
    with pytest.raises(ApplicationError) as own:
        inbox_confirm(member=admin.member, service_id=service_id)
    assert (own.value.status, own.value.code) == (403, "own_binding")
    victim = _consent(make_case(acme, contact=True), lead)
    with pytest.raises(ApplicationError) as waiting:  # not confirmed yet: no inbox
        child_referral_propose(victim_referral_id=victim.pk, member=lead.member, fields=["phone"])
    assert waiting.value.code == "no_inbox"
    inbox_confirm(member=lead.member, service_id=service_id)
    proposal = child_referral_propose(
        victim_referral_id=victim.pk, member=lead.member, fields=["phone"]
    )
    referral = child_referral_approve(proposal_id=proposal.pk, member=second.member)
    assert referral.recipient.name == HELPLINE
    approved = AuditEntry.objects.get(action="child_referral_approve").detail
    assert approved["inbox_key"] == binding.key.prefix
    assert (approved["inbox_bound_by"], approved["inbox_confirmed_by"]) == (
        admin.member.user_id,
        lead.member.user_id,
    )
    assert {e.actor_id for e in AuditEntry.objects.filter(action__startswith="service_inbox_")} == {
        admin.member.user_id,
        lead.member.user_id,
    }
    with pytest.raises(IntegrityError), transaction.atomic():  # not even by a raw write
        ServiceInbox.objects.filter(pk=binding.pk).update(confirmed_by=admin.member.user)


def test_another_key_with_the_services_name_reads_no_childs_referral(
    client: Client, acme: Organisation, lead: Person, admin: Person, second: Person
) -> None:
    bound = service_key(acme, HELPLINE, lead, admin)
    proposal = _proposal(make_case(acme, contact=True), lead)
    referral = child_referral_approve(proposal_id=proposal.pk, member=second.member)
    rogue = apikey_create(organisation=acme, scope=Scope.ISSUER, name=HELPLINE)[1]
    assert get(client, rogue, f"/api/v1/referrals/{referral.pk}").status_code == 404
    assert get(client, rogue, "/api/v1/referrals").json()["referrals"] == []
    assert get(client, bound, f"/api/v1/referrals/{referral.pk}").status_code == 200


def test_the_approval_screen_names_the_inbox_and_an_unbound_service_is_refused_saying_why(
    acme: Organisation, lead: Person, admin: Person, second: Person
) -> None:
    service_key(acme, HELPLINE, lead, admin)
    binding = ServiceInbox.objects.get()
    case = make_case(acme, contact=True)
    proposal = _proposal(case, lead)
    desk = sign_in(second)
    page = desk.get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert (
        f"Goes to the inbox of key {binding.key.prefix}, issued for this service by vanna" in page
    )
    assert "confirmed by rith" in page
    inbox_unbind(member=admin.member, service_id=binding.service_id)
    assert ApiKey.objects.get(pk=binding.key_id).revoked_at is not None
    page = desk.get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert "has no confirmed inbox" in page and "Goes to the inbox" not in page
    response = desk.post(f"/en/desk/child-referrals/{proposal.pk}/approve/", follow=True)
    assert "has no confirmed inbox" in response.content.decode()
    assert not Referral.objects.exists()
    assert AuditEntry.objects.filter(action="service_inbox_unbind").count() == 1


def test_issuing_again_revokes_the_earlier_key_and_waits_for_a_second_person_on_the_desk(
    acme: Organisation, lead: Person, admin: Person
) -> None:
    service_id = _helpline_id(acme)
    service_key(acme, HELPLINE, lead, admin)
    first = ServiceInbox.objects.get()
    page = (
        sign_in(admin)
        .post(f"/en/desk/referral-services/{service_id}/issue/", follow=True)
        .content.decode()
    )
    binding = ServiceInbox.objects.get()
    assert binding.key_id != first.key_id and binding.confirmed_at is None
    assert ApiKey.objects.get(pk=first.key_id).revoked_at is not None
    assert f"kp_service_{binding.key.prefix}_" in page  # the token, shown this once
    listing = sign_in(admin).get("/en/desk/referral-services/").content.decode()
    assert "waiting for a second person" in listing and "kp_service_" not in listing
    assert "Confirm: the service holds key" not in listing  # not to the one who issued it
    desk = sign_in(lead)
    assert (
        "Confirm: the service holds key" in desk.get("/en/desk/referral-services/").content.decode()
    )
    desk.post(f"/en/desk/referral-services/{service_id}/confirm/", {"key": binding.key.prefix})
    binding.refresh_from_db()
    assert binding.confirmed_by_id == lead.member.user_id


def test_another_organisations_keeper_cannot_bind_or_confirm_and_confirming_twice_is_harmless(
    acme: Organisation, bayon: Organisation, lead: Person, admin: Person
) -> None:
    from karpear.core.errors import NotFound
    from karpear.staff.models import Role
    from tests.cast import _person

    service_id = _helpline_id(acme)
    bayon_lead = _person(bayon, "sokun", Role.LEAD)
    with pytest.raises(NotFound):
        inbox_issue(member=bayon_lead.member, service_id=service_id)
    binding, _token = inbox_issue(member=lead.member, service_id=service_id)
    with pytest.raises(NotFound):
        inbox_confirm(member=bayon_lead.member, service_id=service_id)
    desk = sign_in(bayon_lead)
    assert desk.post(f"/en/desk/referral-services/{service_id}/confirm/").status_code == 404
    assert desk.post(f"/en/desk/referral-services/{service_id}/unbind/").status_code == 404
    assert ServiceInbox.objects.get().confirmed_at is None
    first = inbox_confirm(member=admin.member, service_id=service_id)
    again = inbox_confirm(member=admin.member, service_id=service_id)  # a double click
    assert (again.pk, again.confirmed_at) == (first.pk, first.confirmed_at)
    assert again.key_id == binding.key_id
    assert AuditEntry.objects.filter(action="service_inbox_confirm").count() == 1
    assert ApiKey.objects.get(pk=binding.key_id).revoked_at is None
