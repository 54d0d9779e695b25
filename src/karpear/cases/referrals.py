"""Referral of a child to help, only with consent (guidelines 2.6 referral pathways)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.cases.common import audit_case, bump
from karpear.cases.identity import case_reports
from karpear.cases.models import (
    Case,
    CaseEvent,
    ReferralService,
    VictimReferral,
)
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.staff.models import Role, StaffMember

DEFAULT_REFERRAL_SERVICES = [
    {"name_en": "Child Helpline Cambodia", "name_km": "ខ្សែទូរស័ព្ទជំនួយកុមារកម្ពុជា", "phone": "1280"},
    {
        "name_en": "Ministry of Social Affairs, Veterans and Youth Rehabilitation (MoSVY)",
        "name_km": "ក្រសួងសង្គមកិច្ច អតីតយុទ្ធជន និងយុវនីតិសម្បទា",
        "phone": "",
    },
]


# ---------------------------------------------------------------- referrals and notes


def referral_services(organisation: Organisation) -> list[ReferralService]:
    """The directory, seeded with Child Helpline Cambodia and MoSVY on first use."""
    services = list(ReferralService.objects.filter(organisation=organisation, active=True))
    if not services and not ReferralService.objects.filter(organisation=organisation).exists():
        ReferralService.objects.bulk_create(
            ReferralService(organisation=organisation, **s) for s in DEFAULT_REFERRAL_SERVICES
        )
        services = list(ReferralService.objects.filter(organisation=organisation, active=True))
    return services


@transaction.atomic
def victim_referral_record(
    *,
    case: Case,
    member: StaffMember,
    consent_by: str,
    service_id: int | None,
    service_reference: str,
    expected_version: int,
    consent_method: str = "",
    consent_at: datetime | None = None,
    consent_obtained_by: str = "",
    request: HttpRequest | None = None,
) -> VictimReferral:
    """Refer a child to help, only with the child's or carer's consent (2.6).

    Without consent, only the fact that help information was given is
    recorded. The desk never assesses the child's risk: the helpline does.
    """
    if member.role != Role.LEAD:
        raise ApplicationError(
            _("Only the safeguarding lead records victim referrals."), code="forbidden", status=403
        )
    if consent_by not in VictimReferral.ConsentBy.values:
        raise ApplicationError(
            _("Say who consented, or that help information was given."),
            fields={"consent_by": [str(_("Choose one."))]},
        )
    service = None
    if consent_by != VictimReferral.ConsentBy.NONE:
        service = ReferralService.objects.filter(
            pk=service_id or 0, organisation_id=case.organisation_id
        ).first()
        if service is None:
            raise ApplicationError(
                _("Choose the service the child is referred to."),
                fields={"service": [str(_("Choose one."))]},
            )
        consent_at = _check_consent(
            case,
            method=consent_method,
            at=consent_at,
            obtained_by=consent_obtained_by,
            service_reference=service_reference,
        )
    bump(case, expected_version)
    now = timezone.now().replace(microsecond=0)
    referral = VictimReferral.objects.create(
        case=case,
        consent_by=consent_by,
        service=service,
        service_reference=service_reference.strip()[:100] if service else "",
        consent_method=consent_method if service else "",
        consent_at=consent_at if service else None,
        consent_obtained_by=consent_obtained_by.strip()[:200] if service else "",
        recorded_by=member.user,
        recorded_at=now,
    )
    CaseEvent.objects.create(
        case=case,
        kind="victim_referral",
        actor=member.user,
        at=now,
        detail={
            "consent_by": consent_by,
            "service": service.name_en if service else None,
            "consent_method": consent_method if service else "",
        },
    )
    audit_case(
        member,
        "victim_referral",
        case,
        request,
        consent_by=consent_by,
        service=service.name_en if service else None,
        consent_method=consent_method if service else "",
        consent_at=consent_at if service else None,
        consent_obtained_by=consent_obtained_by.strip()[:200] if service else "",
    )
    return referral


def _check_consent(
    case: Case, *, method: str, at: datetime | None, obtained_by: str, service_reference: str
) -> datetime:
    """Consent is recorded with how, when and by whom it was obtained, and only where it could
    have been obtained (issue #16, item 8; guidelines 2.6: referral with the child's consent).

    Phone or message consent needs a contact the reporter gave (an anonymous report has none to
    call back); consent through the helpline needs the helpline's own reference; it cannot
    predate the case or lie in the future.
    """
    Method = VictimReferral.ConsentMethod
    errors: dict[str, list[str]] = {}
    if method not in Method.values:
        errors["consent_method"] = [str(_("Say how consent was obtained."))]
    elif method in (Method.PHONE, Method.MESSAGE) and not any(
        not r.is_anonymous for r in case_reports(case)
    ):
        errors["consent_method"] = [
            str(
                _(
                    "Nobody on this case left a contact, so consent cannot have been given by "
                    "phone or message."
                )
            )
        ]
    elif method == Method.HELPLINE and not service_reference.strip():
        errors["service_reference"] = [str(_("Give the helpline's reference for the call."))]
    now = timezone.now()
    if at is None:
        errors["consent_at"] = [str(_("Say when consent was given."))]
    elif at > now + timedelta(minutes=5) or at < case.opened_at - timedelta(minutes=5):
        errors["consent_at"] = [
            str(_("Consent must be given after the case was opened, and not in the future."))
        ]
    if not obtained_by.strip():
        errors["consent_obtained_by"] = [str(_("Say who obtained consent."))]
    if errors or at is None:
        raise ApplicationError(
            _("The consent cannot be recorded as it is."), code="consent_invalid", fields=errors
        )
    return at.replace(microsecond=0)
