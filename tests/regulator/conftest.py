"""The regulator's world: the MPTC, Acme registered with its package key, the period 2026, and
one real signed-off COP checklist package (built once per module through the real services)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from karpear.core import signing
from karpear.orgs.models import Organisation
from karpear.regulator.models import RegisteredCompany
from karpear.regulator.registry import company_register, period_define
from tests.cast import Person
from tests.regulator.world import key_in_force


def build_payload() -> dict[str, Any]:
    """A real package payload of a signed-off checklist by "acme" (rolled back afterwards)."""
    from karpear.compliance.services import assessment_sign_off, assessment_start, package
    from karpear.orgs.services import organisation_create
    from karpear.staff.models import Role
    from karpear.staff.services import staff_create
    from tests.compliance.helpers import answer_rest

    with transaction.atomic():
        org = organisation_create(name="Acme Mobile", slug="acme")
        member = staff_create(
            organisation=org, username="payload-maker", password="x" * 20, role=Role.COMPLIANCE
        )
        assessment = assessment_start(
            member=member,
            framework_id="cop-checklist",
            profile={"used_by_children": True, "hosts_user_content": True},
        )
        answer_rest(member, assessment)
        assessment_sign_off(member=member, assessment_id=assessment.pk, name="Chenda Sok")
        assessment.refresh_from_db()
        payload = package(assessment)
        transaction.set_rollback(True)
    return payload


@pytest.fixture(scope="session")
def acme_payload(django_db_setup: Any, django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        return build_payload()


def sign(payload: dict[str, Any], slug: str = "acme", **changes: Any) -> dict[str, Any]:
    """Sign (a changed copy of) the payload with `slug`'s package key, as its Karpear would."""
    body = copy.deepcopy(payload)
    for path, value in changes.items():
        node = body
        *parents, last = path.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    context = f"org:{slug}"
    envelope = signing.sign(body, context=context)
    envelope["public_key"] = signing.public_key_b64(context)
    return envelope


@pytest.fixture
def registered(mptc: Organisation, head: Person, acme: Organisation) -> RegisteredCompany:
    company = company_register(
        member=head.member,
        name="Acme Mobile",
        slug="acme",
        licence_number="MPTC-ISP-0001",
        sector="mobile",
        size="large",
        local_organisation=acme,
    )
    key_in_force(head, company, signing.public_key_b64("org:acme"))
    period_define(member=head.member, label=str(timezone.localdate().year), due=date(2099, 3, 31))
    return company


def this_year() -> str:
    return str(timezone.localdate().year)
