"""No one alone puts a company's package key in force (issue #20, items 1 and 7): a key one head
of unit or administrator registers verifies nothing until a different one confirms it, so one
person cannot register a key of their own and upload a "verified" package signed with it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from karpear.audit.models import AuditEntry
from karpear.core import signing
from karpear.core.errors import ApplicationError, NotFound
from karpear.orgs.models import Organisation
from karpear.regulator.models import Channel, CompanyKey, RegisteredCompany, Submission
from karpear.regulator.receipt import SubmissionRefused, submission_receive
from karpear.regulator.registry import (
    company_register,
    key_confirm,
    key_register,
    key_revoke,
    period_define,
)
from tests.cast import Person, sign_in
from tests.regulator.conftest import sign, this_year

pytestmark = pytest.mark.django_db


def _upload(company: RegisteredCompany, envelope: dict[str, Any]) -> Submission:
    submission, _ = submission_receive(
        company=company, period_label=this_year(), envelope=envelope, channel=Channel.UPLOAD
    )
    return submission


def _refused(company: RegisteredCompany, envelope: dict[str, Any]) -> str:
    with pytest.raises(SubmissionRefused) as caught:
        _upload(company, envelope)
    assert not Submission.objects.filter(company=company).exists()
    return caught.value.code


def _own_key(head: Person, company: RegisteredCompany) -> CompanyKey:
    """The head registers a key only they hold, for the company."""
    return key_register(
        member=head.member, company=company, public_key=signing.public_key_b64("org:forged")
    )


def test_a_key_one_person_registered_verifies_nothing(
    head: Person, acme_payload: dict[str, Any]
) -> None:
    company = company_register(
        member=head.member,
        name="Acme Mobile",
        slug="acme",
        licence_number="L-9",
        sector="mobile",
        size="large",
    )
    period_define(member=head.member, label=this_year(), due=date(2099, 3, 31))
    _own_key(head, company)
    assert _refused(company, sign(acme_payload, "forged")) == "no_key"


def test_a_pending_rotation_verifies_nothing_and_leaves_the_key_in_force(
    head: Person, registered: RegisteredCompany, acme_payload: dict[str, Any]
) -> None:
    in_force = registered.keys.get()
    pending = _own_key(head, registered)
    assert pending.confirmed_at is None
    assert _refused(registered, sign(acme_payload, "forged")) == "bad_signature"
    in_force.refresh_from_db()
    assert in_force.retires_at is None
    assert _upload(registered, sign(acme_payload)).key == in_force


def test_nobody_confirms_their_own_key_and_the_attempt_is_audited(
    head: Person, reviewer: Person, registered: RegisteredCompany
) -> None:
    pending = _own_key(head, registered)
    with pytest.raises(ApplicationError) as own:
        key_confirm(member=head.member, key_id=pending.pk)
    assert (own.value.code, own.value.status) == ("own_key", 403)
    refused = AuditEntry.objects.get(action="regulator_key_own_refused")
    assert refused.actor == head.member.user and refused.detail["key_id"] == pending.key_id
    with pytest.raises(ApplicationError) as reviewing:
        key_confirm(member=reviewer.member, key_id=pending.pk)
    assert reviewing.value.status == 403
    pending.refresh_from_db()
    assert pending.confirmed_at is None and pending.confirmed_by is None


def test_a_second_keeper_puts_the_key_in_force_and_the_old_one_retires(
    head: Person,
    regulator_admin: Person,
    registered: RegisteredCompany,
    acme_payload: dict[str, Any],
) -> None:
    old = registered.keys.get()
    pending = _own_key(head, registered)
    confirmed = key_confirm(member=regulator_admin.member, key_id=pending.pk)
    assert confirmed.confirmed_by == regulator_admin.member.user
    entry = AuditEntry.objects.get(
        action="regulator_key_confirm", actor=regulator_admin.member.user
    )
    assert entry.detail["key_id"] == pending.key_id and entry.detail["retiring"] == [old.key_id]
    old.refresh_from_db()
    assert old.retires_at is not None and old.retires_at > timezone.now()
    assert _upload(registered, sign(acme_payload, "forged")).key == confirmed
    # Confirming again changes nothing and records nothing.
    again = key_confirm(member=regulator_admin.member, key_id=pending.pk)
    assert again.confirmed_at == confirmed.confirmed_at
    assert AuditEntry.objects.filter(action="regulator_key_confirm").count() == 2


def test_a_revoked_key_cannot_be_confirmed(
    head: Person, regulator_admin: Person, registered: RegisteredCompany
) -> None:
    pending = _own_key(head, registered)
    key_revoke(member=head.member, key_id=pending.pk)
    with pytest.raises(ApplicationError) as caught:
        key_confirm(member=regulator_admin.member, key_id=pending.pk)
    assert caught.value.status == 409


def test_the_desk_shows_a_pending_key_with_a_confirm_button_to_the_other_keeper(
    head: Person, regulator_admin: Person, registered: RegisteredCompany
) -> None:
    pending = _own_key(head, registered)
    page = f"/en/desk/regulator/companies/{registered.pk}/"
    confirm = f"/en/desk/regulator/keys/{pending.pk}/confirm/"
    registrant, other = sign_in(head, host="mptc.test"), sign_in(regulator_admin, host="mptc.test")
    assert "Waiting for confirmation" in registrant.get(page).content.decode()
    assert confirm not in registrant.get(page).content.decode()
    assert confirm in other.get(page).content.decode()
    answer = registrant.post(confirm, follow=True)
    assert "someone else must confirm it" in answer.content.decode()
    pending.refresh_from_db()
    assert pending.confirmed_at is None
    assert other.post(confirm).status_code == 302
    pending.refresh_from_db()
    assert pending.confirmed_by == regulator_admin.member.user
    assert confirm not in other.get(page).content.decode()


def test_another_regulators_staff_cannot_confirm_a_key_registered_here(
    head: Person, registered: RegisteredCompany
) -> None:
    from karpear.orgs.services import organisation_create
    from karpear.staff.models import Role
    from tests.cast import _person

    other = organisation_create(
        name="Another regulator", slug="other-regulator", kind=Organisation.Kind.REGULATOR
    )
    other_head = _person(other, "other-head", Role.HEAD)
    pending = _own_key(head, registered)
    with pytest.raises(NotFound):
        key_confirm(member=other_head.member, key_id=pending.pk)
    pending.refresh_from_db()
    assert pending.confirmed_at is None and pending.confirmed_by is None
    assert not AuditEntry.objects.filter(
        action="regulator_key_confirm", actor=other_head.member.user
    ).exists()
    desk = sign_in(other_head)
    assert desk.get("/en/desk/regulator/").status_code == 200  # its own desk works
    assert desk.post(f"/en/desk/regulator/keys/{pending.pk}/confirm/").status_code == 404
    pending.refresh_from_db()
    assert pending.confirmed_at is None
