"""Staff lists, appointments and adopted policies, made through the real services."""

from __future__ import annotations

import re

from django.core import mail
from django.utils import timezone

from karpear.orgs.models import Organisation
from karpear.safeguarding.directory import ImportResult, directory_import
from karpear.safeguarding.documents import document_adopt
from karpear.safeguarding.models import Document, Position
from karpear.safeguarding.officers import appoint
from tests.cast import Person

HEADER = "name,email,department,role_title,may_encounter_csam,works_with_children\n"
DEPARTMENTS = ("Trust and Safety", "Engineering", "Customer Care", "Sales")


def staff_csv(count: int = 20, *, domain: str = "acme.example") -> bytes:
    """`count` people over four departments; every fifth may encounter CSAM, every seventh
    works with children."""
    lines = [HEADER]
    for i in range(count):
        dept = DEPARTMENTS[i % len(DEPARTMENTS)]
        csam = "yes" if i % 5 == 0 else "no"
        children = "yes" if i % 7 == 0 else "no"
        lines.append(f"Person {i:02d},person{i:02d}@{domain},{dept},Role {i},{csam},{children}\n")
    return "".join(lines).encode()


def import_staff(org: Organisation, count: int = 20) -> ImportResult:
    return directory_import(organisation=org, data=staff_csv(count, domain=f"{org.slug}.example"))


def appoint_officer(admin: Person, officer: Person, position: str = Position.OFFICER) -> None:
    appoint(
        actor=admin.member,
        position=position,
        member_id=officer.member.pk,
        appointed_on=timezone.localdate(),
        mandate="Receives and handles every safeguarding concern; reports to the board.",
    )


def adopt_policy(compliance: Person) -> Document:
    """Adopt version 1 of the safeguarding policy from the draft, collecting the mails sent."""
    from karpear.safeguarding.documents import document_draft

    draft = document_draft(compliance.member.organisation)["policy"]
    doc, _sent = document_adopt(
        member=compliance.member, kind="policy", body_en=draft["en"], body_km=draft["km"]
    )
    return doc


LINK = re.compile(r"https?://[^\s]+/en/safeguarding/ack/([A-Za-z0-9_-]+)/")


def sent_tokens() -> list[str]:
    """The personal tokens in the English links of every message in the test outbox."""
    return [m for message in mail.outbox for m in LINK.findall(str(message.body))]
