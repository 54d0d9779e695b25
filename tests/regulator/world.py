"""One of each regulator object a desk URL names, made through the real services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from karpear.core import signing
from karpear.orgs.models import Organisation
from karpear.regulator.models import Channel, CompanyKey, ReceivedRequest, RegisteredCompany
from karpear.regulator.receipt import submission_receive
from karpear.regulator.registry import company_register, key_confirm, key_register, period_define
from karpear.regulator.rfi import FileIn, rfi_answer_record, rfi_send
from karpear.staff.models import Role, StaffMember
from karpear.staff.services import staff_create
from tests.cast import Person

ZEROS = "0" * 64


def small_payload(slug: str = "acme", signed_at: str | None = None) -> dict[str, Any]:
    """A schema-valid package with one answer (for tests that need a stored submission only)."""
    now = signed_at or timezone.now().isoformat()
    return {
        "format": "karpear-compliance-package/1",
        "organisation": {"name": "Acme Mobile", "name_km": "", "slug": slug},
        "framework": {
            "id": "cop-checklist",
            "version": "1",
            "sha256": ZEROS,
            "title": {"en": "COP checklist", "km": "COP"},
        },
        "assessment": {
            "id": 1,
            "product": None,
            "profile": {},
            "started_at": now,
            "signed_at": now,
            "signed_by": {"name": "Chenda Sok", "title": "", "username": "chenda"},
            "reassess_by": None,
            "previous": None,
            "answers_sha256": ZEROS,
        },
        "summary": {
            "yes": 0,
            "partially": 1,
            "no": 0,
            "na": 0,
            "open": 0,
            "minimum_total": 1,
            "minimum_met": 0,
        },
        "answers": [
            {
                "ref": "1",
                "minimum": True,
                "outcome": "partially",
                "answer_type": "cop",
                "not_applicable": False,
                "value": "partially",
                "reason": "",
                "note": "",
                "action": "Write the policy.",
                "action_owner": "Chenda",
                "action_due": (timezone.localdate() + timedelta(days=30)).isoformat(),
                "action_done_on": None,
                "link": "",
                "source": "officer",
                "version": 1,
                "answered_by": "chenda",
                "answered_at": now,
                "files": [],
            }
        ],
        "live_figures": {},
    }


def signed(payload: dict[str, Any], slug: str = "acme") -> dict[str, Any]:
    envelope = signing.sign(payload, context=f"org:{slug}")
    envelope["public_key"] = signing.public_key_b64(f"org:{slug}")
    return envelope


def second_keeper(head: Person) -> StaffMember:
    """Another keeper of `head`'s regulator, who confirms the keys `head` registers."""
    regulator = head.member.organisation
    found = StaffMember.objects.filter(
        organisation=regulator, user__username="second-keeper"
    ).first()
    return found or staff_create(
        organisation=regulator,
        username="second-keeper",
        password="p" * 20,
        role=Role.REGULATOR_ADMIN,
    )


def key_in_force(head: Person, company: RegisteredCompany, public_key: str) -> CompanyKey:
    """A key registered by `head` and confirmed by a second keeper, as the registry requires."""
    key = key_register(member=head.member, company=company, public_key=public_key)
    return key_confirm(member=second_keeper(head), key_id=key.pk)


def register(head: Person, acme: Organisation | None, slug: str = "acme") -> RegisteredCompany:
    company = company_register(
        member=head.member,
        name=f"{slug.title()} Company",
        slug=slug,
        licence_number=f"MPTC-{slug}",
        sector="mobile",
        size="large",
        local_organisation=acme,
    )
    key_in_force(head, company, signing.public_key_b64(f"org:{slug}"))
    return company


def regulator_objects(acme: Organisation, head: Person, reviewer: Person) -> dict[str, int | str]:
    company = register(head, acme)
    year = str(timezone.localdate().year)
    period_define(member=head.member, label=year, due=timezone.localdate() + timedelta(days=60))
    submission, _ = submission_receive(
        company=company, period_label=year, envelope=signed(small_payload()), channel=Channel.API
    )
    deadline = timezone.localdate() + timedelta(days=14)
    answered = rfi_send(
        member=reviewer.member, company_id=company.pk, question="Why?", deadline=deadline
    )
    rfi, _ = rfi_answer_record(
        rfi_id=answered.pk,
        company=company,
        text="Because.",
        files=[FileIn("a.txt", "text/plain", b"evidence")],
        answered_by="chenda",
    )
    open_rfi = rfi_send(
        member=reviewer.member, company_id=company.pk, question="And?", deadline=deadline
    )
    received = ReceivedRequest.objects.get(local_request=open_rfi)
    in_force = company.keys.get()
    # A rotation waiting for its second person (registered by the head: others confirm it).
    pending = key_register(
        member=head.member, company=company, public_key=signing.public_key_b64("org:acme-next")
    )
    return {
        "company": company.pk,
        "key": in_force.pk,
        "pending_key": pending.pk,
        "submission": submission.pk,
        "rfi": rfi.pk,
        "answer_file": rfi.files.get().pk,
        "received": received.pk,
    }
