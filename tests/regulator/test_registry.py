"""The regulator's registry and roles (issue #20, item 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from karpear.audit.models import AuditEntry
from karpear.core import signing
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.regulator.models import RegisteredCompany
from karpear.regulator.registry import company_register, key_register, submission_key_issue
from karpear.staff.models import Role
from karpear.staff.services import staff_create
from tests.cast import Person

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_schema_is_the_published_one() -> None:
    shipped = ROOT / "src/karpear/regulator/compliance-package.schema.json"
    published = ROOT / "docs/compliance-package.schema.json"
    assert json.loads(shipped.read_text()) == json.loads(published.read_text())


def test_a_regulator_holds_regulator_roles_only_and_a_company_company_roles_only(
    mptc: Organisation, acme: Organisation
) -> None:
    with pytest.raises(ApplicationError):
        staff_create(organisation=mptc, username="x1", password="p" * 20, role=Role.ANALYST)
    with pytest.raises(ApplicationError):
        staff_create(organisation=acme, username="x2", password="p" * 20, role=Role.REVIEWER)


def test_only_heads_and_administrators_keep_the_registry(
    reviewer: Person, head: Person, compliance: Person
) -> None:
    for person in (reviewer, compliance):
        with pytest.raises(ApplicationError) as caught:
            company_register(
                member=person.member,
                name="X",
                slug="x",
                licence_number="1",
                sector="isp",
                size="small",
            )
        assert caught.value.status == 403
    company = company_register(
        member=head.member, name="X", slug="x", licence_number="1", sector="isp", size="small"
    )
    assert AuditEntry.objects.filter(action="regulator_company_register").count() == 1
    with pytest.raises(ApplicationError) as caught:
        company_register(
            member=head.member,
            name="Y",
            slug="x",
            licence_number="2",
            sector="isp",
            size="small",
        )
    assert caught.value.status == 409
    with pytest.raises(ApplicationError) as caught:
        company_register(
            member=head.member,
            name="Y\x00",
            slug="BAD SLUG",
            licence_number="",
            sector="bank",
            size="huge",
        )
    assert set(caught.value.fields) == {"slug", "licence_number", "sector", "size"}
    assert RegisteredCompany.objects.filter(pk=company.pk).exists()


def test_keys_must_be_ed25519_public_keys(head: Person, registered: RegisteredCompany) -> None:
    for bad in ("", "not base64", "AAAA", "A" * 5000):
        with pytest.raises(ApplicationError):
            key_register(member=head.member, company=registered, public_key=bad)
    with pytest.raises(ApplicationError) as caught:
        key_register(
            member=head.member, company=registered, public_key=signing.public_key_b64("org:acme")
        )
    assert caught.value.status == 409


def test_submission_keys_are_issued_once_shown_and_audited(
    head: Person, registered: RegisteredCompany
) -> None:
    token = submission_key_issue(member=head.member, company=registered)
    assert token.startswith("kp_company_")
    entry = AuditEntry.objects.get(action="regulator_submission_key")
    assert token not in json.dumps(entry.detail)


def test_an_operator_creates_a_regulator_from_the_command_line() -> None:
    import io

    from django.core.management import call_command

    call_command(
        "org",
        "create",
        "--name",
        "MPTC",
        "--slug",
        "mptc2",
        "--kind",
        "regulator",
        stdout=io.StringIO(),
    )
    assert Organisation.objects.get(slug="mptc2").is_regulator
