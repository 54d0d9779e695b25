"""One of each object a desk URL names, made through the real services."""

from __future__ import annotations

from karpear.orgs.models import Organisation
from tests.cast import Person, make_case

A, L, C = "analyst", "lead", "compliance"


def desk_objects(acme: Organisation, cast: dict[str, Person]) -> dict[str, int | str]:
    """Screen the cast and make a case (assigned to the analyst), an evidence item, an approved
    disclosure with its package, an assessment with a file, a recipient, a referral, a victim
    referral and a complaint; return the ids each desk URL placeholder names."""
    from karpear.cases.models import Case
    from karpear.cases.services import victim_referral_record
    from karpear.compliance.services import assessment_start, file_attach
    from karpear.evidence.disclosure import package_path
    from karpear.evidence.models import Disclosure
    from karpear.evidence.services import evidence_capture
    from karpear.notices.models import IssuerKind
    from karpear.referrals.models import Purpose
    from karpear.referrals.services import recipient_for, referral_send
    from tests.cast import register_recipient
    from tests.complaints.helpers import a_complaint
    from tests.evidence.conftest import benign_png, screen

    case = make_case(acme)
    for person in cast.values():
        screen(person)
    Case.objects.filter(pk=case.pk).update(assignee=cast[A].member.user)
    item = evidence_capture(
        organisation=acme,
        case_id=case.pk,
        content=benign_png(1),
        content_type="image/png",
        metadata={},
        source="staff",
        actor="t",
    )
    disclosure = Disclosure.objects.create(
        organisation=acme,
        case=case,
        recipient="r",
        agency="a",
        legal_basis="b",
        requested_by=cast[L].member.user,
        requested_at=case.opened_at,
        status="approved",
        package_file="matrix-test.kpd",
    )
    package_path(disclosure).write_bytes(b"KPD1 encrypted test package")
    assessment = assessment_start(member=cast[C].member, framework_id="sbd")
    attached = file_attach(
        member=cast[C].member,
        assessment_id=assessment.pk,
        ref="SBD-1.2",
        name="roles.txt",
        content_type="text/plain",
        data=b"Named safety lead: Ms Chenda",
    )
    recipient = register_recipient(
        cast[L].member, name="Officer Sok", agency="ACU", kind="law_enforcement"
    )
    acu = recipient_for(organisation=acme, kind=IssuerKind.ACU)
    assert acu is not None
    referral = referral_send(case=case, recipient=acu, purpose=Purpose.REFERRED, member=None)
    victim = victim_referral_record(
        case=case,
        member=cast[L].member,
        consent_by="none",
        service_id=None,
        service_reference="",
        expected_version=Case.objects.get(pk=case.pk).version,
    )
    complaint = a_complaint(acme, cast[L])
    proposal = _child_proposal(acme, cast)
    from karpear.safety.services import policy_draft

    return {
        "proposal": proposal,
        "policy": policy_draft(member=cast[L].member).pk,
        "education_session": _education_session(acme, cast),
        **_safeguarding_objects(acme, cast),
        "complaint": complaint.pk,
        "referral": referral.pk,
        "victim": victim.pk,
        "staff": cast[A].member.pk,
        "recipient": recipient.pk,
        "case": case.pk,
        "item": item.pk,
        "disclosure": disclosure.pk,
        "appeal": 0,
        "assessment": assessment.pk,
        "ref": "SBD-1.2",
        "file": attached.pk,
        "match": 0,
    }


def _child_proposal(acme: Organisation, cast: dict[str, Person]) -> int:
    """A consented child referral proposed by the lead, waiting for a second person."""
    from datetime import timedelta

    from django.utils import timezone

    from karpear.apikeys.models import Scope
    from karpear.apikeys.services import apikey_create
    from karpear.cases.models import Case
    from karpear.cases.services import referral_services, victim_referral_record
    from karpear.referrals.child import child_referral_propose

    case = make_case(acme, url="https://social.example/p/child")
    service = referral_services(acme)[0]
    apikey_create(organisation=acme, scope=Scope.ISSUER, name=service.name_en)
    victim = victim_referral_record(
        case=case,
        member=cast[L].member,
        consent_by="carer",
        service_id=service.pk,
        service_reference="",
        consent_method="in_person",
        consent_at=timezone.now() - timedelta(minutes=1),
        consent_obtained_by="lead",
        expected_version=Case.objects.get(pk=case.pk).version,
    )
    return child_referral_propose(
        victim_referral_id=victim.pk, member=cast[L].member, fields=["age_band"]
    ).pk


def _education_session(acme: Organisation, cast: dict[str, Person]) -> int:
    """A Swipe Safe session (issue #19), planned by the cast's trainer or a new one."""
    from karpear.staff.models import Role
    from tests.cast import _person
    from tests.education.helpers import a_curriculum, a_session

    trainer = cast.get("trainer") or _person(acme, "w-trainer", Role.TRAINER)
    return a_session(trainer, a_curriculum(trainer)).pk


def _safeguarding_objects(acme: Organisation, cast: dict[str, Person]) -> dict[str, int | str]:
    """Issue #21: two staff, the lead appointed safeguarding officer (by the administrator),
    the policy adopted, and a concern raised (only the officer may read it)."""
    from karpear.concerns.services import concern_raise
    from karpear.safeguarding.documents import document_adopt
    from karpear.safeguarding.models import Employee
    from tests.safeguarding.helpers import appoint_officer, import_staff

    import_staff(acme, 2)
    appoint_officer(cast["admin"], cast[L])
    doc, _sent = document_adopt(member=cast[C].member, kind="policy", body_en="P", body_km="ក")
    concern, _secret = concern_raise(
        organisation=acme, about="behaviour", raised_by="outside", text="He messages pupils."
    )
    employee = Employee.objects.filter(organisation=acme).order_by("pk").first()
    assert employee is not None
    return {"employee": employee.pk, "document": doc.pk, "concern": concern.pk}
