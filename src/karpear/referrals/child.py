"""E-referral of the child to a child-protection service, with consent (issue #17, item 5).

Guidelines 2.6, item 32: refer the child into the formal child-protection system, with
consent. The referral rests on a recorded consent (cases.VictimReferral with who, how, when
and by whom) and shares only the fields the child or carer agreed to, chosen on the form.
Without consent nothing about the child leaves the company. A service with an issuer key of
the same name as its directory entry reads it in the same inbox as the police, acknowledges it
with its own reference, and reports an outcome (contacted / could not reach / declined). The
desk never scores risk: the service assesses the child.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.apikeys.models import ApiKey, Scope
from karpear.audit.services import audit_record
from karpear.cases.models import CaseEvent, ReferralService, VictimReferral
from karpear.core.errors import ApplicationError, NotFound
from karpear.notices.models import Issuer
from karpear.notices.services import issuer_for_key
from karpear.referrals.models import Outcome, Purpose, Referral
from karpear.referrals.services import access_referral, record_reply
from karpear.reports.models import Report
from karpear.reports.services import report_contact
from karpear.staff.models import Role, StaffMember

CHILD_SCHEMA_VERSION = "child-1.0"
# What may be shared, each only when chosen on the form (the minimum the child agreed to).
SHAREABLE = ("name", "phone", "email", "age_band", "concern")
SHAREABLE_LABELS = {
    "name": _("The name the reporter gave"),
    "phone": _("The phone number the reporter gave"),
    "email": _("The e-mail address the reporter gave"),
    "age_band": _("The child's apparent age band"),
    "concern": _("What the report was about (its category)"),
}


def service_inbox(service: ReferralService) -> Issuer | None:
    """The issuer whose keys read this service's referrals: the one registered under the
    service's directory name. None means the service works on paper or e-mail."""
    issuer = Issuer.objects.filter(
        organisation_id=service.organisation_id, name__iexact=service.name_en
    ).first()
    if issuer is None:
        # A key issued under the service's name registers it, as its first API call would.
        key = ApiKey.objects.filter(
            organisation_id=service.organisation_id,
            scope=Scope.ISSUER,
            name__iexact=service.name_en,
            revoked_at__isnull=True,
        ).first()
        issuer = issuer_for_key(key) if key is not None else None
    return issuer if issuer is not None and issuer.active else None


def _child_fields(victim: VictimReferral, fields: list[str]) -> dict[str, Any]:
    case = victim.case
    contact: dict[str, str] = {}
    for report in Report.objects.filter(pk__in=case.case_reports.values("report_id")):
        contact = report_contact(report) or {}
        if contact:
            break
    available = {
        "name": contact.get("name", ""),
        "phone": contact.get("phone", ""),
        "email": contact.get("email", ""),
        "age_band": case.age_band,
        "concern": case.category,
    }
    return {f: available[f] for f in fields if available[f]}


@transaction.atomic
def child_referral_send(
    *,
    victim_referral_id: int,
    member: StaffMember,
    fields: list[str],
    request: HttpRequest | None = None,
) -> Referral:
    """Put a consented child referral in the service's inbox, with only the chosen fields.

    1. Check: the safeguarding lead; the consent record is this organisation's and names a
       consent and a service; the fields are known; the service has an inbox.
    2. Do: freeze the shared fields into the referral; timeline event; audit (field names
       only, never their values).
    """
    if member.role != Role.LEAD:
        raise ApplicationError(
            _("Only the safeguarding lead refers a child."), code="forbidden", status=403
        )
    victim = (
        VictimReferral.objects.select_related("case", "service")
        .filter(pk=victim_referral_id, case__organisation_id=member.organisation_id)
        .first()
    )
    if victim is None:
        raise NotFound(_("There is no such referral."))
    if victim.consent_by == VictimReferral.ConsentBy.NONE or victim.service is None:
        # Guidelines 2.6: without consent nothing about the child leaves the company.
        raise ApplicationError(
            _("Without recorded consent nothing about the child is sent."),
            code="consent_required",
            status=409,
        )
    unknown = sorted(set(fields) - set(SHAREABLE))
    if unknown or not fields:
        raise ApplicationError(
            _("Choose what the child agreed to share."),
            fields={"fields": [", ".join(unknown) or str(_("Choose at least one."))]},
        )
    recipient = service_inbox(victim.service)
    if recipient is None:
        raise ApplicationError(
            _("This service has no inbox; send the referral by letter or e-mail."),
            code="no_inbox",
            status=409,
        )
    existing = Referral.objects.filter(victim_referral=victim).first()
    if existing is not None:
        return existing  # a repeated form sends nothing twice
    now = timezone.now().replace(microsecond=0)
    report = {
        "schema_version": CHILD_SCHEMA_VERSION,
        "case_id": victim.case_id,
        "consent": {
            "by": victim.consent_by,
            "method": victim.consent_method,
            "at": victim.consent_at.isoformat() if victim.consent_at else None,
        },
        "child": _child_fields(victim, fields),
        "reporting_company": {"name": victim.case.organisation.name},
    }
    referral = Referral.objects.create(
        organisation_id=victim.case.organisation_id,
        case=victim.case,
        recipient=recipient,
        purpose=Purpose.CHILD,
        schema_version=CHILD_SCHEMA_VERSION,
        report=report,
        withheld=[
            {"field": f"child.{f}", "reason": str(_("Not agreed by the child or carer."))}
            for f in SHAREABLE
            if f not in fields
        ],
        created_by=member.user,
        created_at=now,
        last_sent_at=now,
        victim_referral=victim,
    )
    CaseEvent.objects.create(
        case=victim.case,
        kind="referral_sent",
        actor=member.user,
        at=now,
        detail={"referral": referral.pk, "recipient": recipient.name, "purpose": Purpose.CHILD},
    )
    audit_record(
        action="child_referral_send",
        organisation=member.organisation,
        actor=member.user,
        object_type="case",
        object_id=victim.case_id,
        detail={"referral": referral.pk, "fields": sorted(fields)},
        request=request,
    )
    return referral


@transaction.atomic
def referral_outcome(
    *, recipient: Issuer, key: ApiKey, referral_id: int, outcome: Outcome
) -> tuple[Referral, bool]:
    """The service reports what happened. The same outcome again is a retry (not new); another
    is 409; only child referrals take an outcome."""
    referral = access_referral(recipient=recipient, referral_id=referral_id)
    if referral.purpose != Purpose.CHILD:
        raise ApplicationError(
            _("Only a referral of a child takes an outcome."), code="not_a_child_referral"
        )
    now = timezone.now().replace(microsecond=0)
    claimed = Referral.objects.filter(pk=referral.pk, outcome="").update(
        outcome=outcome, outcome_at=now
    )
    referral.refresh_from_db()
    if not claimed:
        if referral.outcome == outcome:
            return referral, False
        raise ApplicationError(
            _("This referral already has another outcome."), code="outcome_recorded", status=409
        )
    record_reply(
        referral=referral,
        recipient=recipient,
        key=key,
        kind="referral_outcome",
        action="referral_outcome",
        at=now,
        outcome=outcome,
    )
    return referral, True
