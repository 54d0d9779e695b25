"""Public reads of referrals for other apps (the desk, transparency, compliance)."""

from __future__ import annotations

from datetime import datetime
from statistics import median
from typing import TypedDict

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
