"""Public reads of referrals for other apps (the desk, transparency, compliance)."""

from __future__ import annotations

from datetime import datetime
from statistics import median
from typing import Any, TypedDict

from karpear.cases.models import Case
from karpear.orgs.models import Organisation
from karpear.referrals.models import Referral


def referrals_for_case(*, case: Case) -> list[Referral]:
    return list(
        Referral.objects.filter(case=case).select_related("recipient").order_by("created_at")
    )


class ReferralFigures(TypedDict):
    sent: int
    acknowledged: int
    median_hours_to_acknowledge: float | None


def period_referrals(
    *, organisation: Organisation, start: datetime, end: datetime
) -> ReferralFigures:
    """Referrals sent in [start, end), how many were acknowledged, and the median time to
    acknowledgement in hours (issue #17, item 8). Few rows per year: computed in Python."""
    rows = list(
        Referral.objects.filter(
            organisation=organisation, created_at__gte=start, created_at__lt=end
        ).values_list("created_at", "acknowledged_at")
    )
    hours = [(ack - sent).total_seconds() / 3600 for sent, ack in rows if ack is not None]
    return {
        "sent": len(rows),
        "acknowledged": len(hours),
        "median_hours_to_acknowledge": round(median(hours), 1) if hours else None,
    }


class DeliveryCounts(TypedDict):
    referral_reports_sent: int
    referral_reports_acknowledged: int
    child_referrals_sent: int
    child_referrals_answered: int


def delivery_counts(*, organisation: Organisation) -> DeliveryCounts:
    """All-time referral deliveries, for the compliance checklist's live evidence (items 31
    and 32): reports to the police and the hotline sent and acknowledged; child referrals sent
    (each approved by a second person) and answered with an outcome. One query."""
    from django.db.models import Count, Q

    figures = Referral.objects.filter(organisation=organisation).aggregate(
        sent=Count("pk", filter=~Q(purpose="child")),
        acknowledged=Count("pk", filter=~Q(purpose="child") & Q(acknowledged_at__isnull=False)),
        child=Count("pk", filter=Q(purpose="child")),
        answered=Count("pk", filter=Q(purpose="child") & ~Q(outcome="")),
    )
    return {
        "referral_reports_sent": figures["sent"],
        "referral_reports_acknowledged": figures["acknowledged"],
        "child_referrals_sent": figures["child"],
        "child_referrals_answered": figures["answered"],
    }


# Which registered disclosure recipients (evidence.RecipientKind) speak for which inbox.
DISCLOSURE_KIND = {"acu": "law_enforcement", "hotline": "hotline"}


def disclosures_for(*, referral: Referral) -> list[dict[str, Any]]:
    """Approved disclosures of the referral's case made to the inbox's own agency (issue #17,
    item 2): their manifests of hashes, never the files. The encrypted package and its key
    still go through the vault's two-person disclosure (guidelines 2.6 b).

    A disclosure names its recipient by the registered recipient's kind and agency (copied to
    `Disclosure.agency` when requested); an inbox is the issuer its key speaks for, matched by
    name (`notices.services.issuer_for_key`). So only disclosures whose agency is this issuer's
    name are shown: a disclosure to another police unit of the same kind is not this one's."""
    from karpear.evidence.models import Disclosure, DisclosureStatus

    kind = DISCLOSURE_KIND.get(referral.recipient.kind)
    if kind is None or referral.purpose == "child":
        return []
    rows = Disclosure.objects.filter(
        case_id=referral.case_id,
        status=DisclosureStatus.APPROVED,
        registered_recipient__kind=kind,
        agency__iexact=referral.recipient.name.strip(),
    ).order_by("pk")
    return [
        {
            "id": d.pk,
            "agency": d.agency,
            "legal_basis": d.legal_basis,
            "approved_at": d.decided_at.isoformat() if d.decided_at else None,
            "manifest": d.manifest,
        }
        for d in rows
    ]
