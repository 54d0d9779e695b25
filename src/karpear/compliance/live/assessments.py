"""Compliance's own records: CRIAs per product and the newest signed safety-by-design and
age-appropriate design assessments."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.compliance.live.base import Live, verdict
from karpear.compliance.models import Assessment, AssessmentStatus, Product
from karpear.orgs.models import Organisation

FIGURE_LABELS: dict[str, Any] = {
    "products": _("Products and services listed"),
    "products_with_cria": _("Products with a CRIA signed in the last two years"),
    "signed_on": _("Last signed off on"),
    "gaps": _("Items answered Partially or No"),
}


def cria_coverage(org: Organisation, now: datetime) -> Live:
    products = Product.objects.filter(organisation=org)
    covered = (
        products.filter(
            assessment__framework_id="cria",
            assessment__status=AssessmentStatus.SIGNED,
            assessment__signed_at__gte=now - timedelta(days=730),
        )
        .distinct()
        .count()
    )
    status, suggested = verdict(covered, products.count())
    return Live(
        "cria_coverage",
        status,
        suggested,
        {"products": products.count(), "products_with_cria": covered},
        "desk:compliance",
    )


def _latest_signed(org: Organisation, framework_id: str, now: datetime) -> Live:
    latest = (
        Assessment.objects.filter(
            organisation=org, framework_id=framework_id, status=AssessmentStatus.SIGNED
        )
        .order_by("-signed_at")
        .first()
    )
    if latest is None or latest.signed_at is None:
        return Live(f"{framework_id}_assessment", "missing", "no", {}, "desk:compliance")
    outcomes = latest.frozen_outcomes()
    gaps = outcomes["partially"] + outcomes["no"]
    fresh = now < latest.signed_at + latest.reassess_period
    return Live(
        f"{framework_id}_assessment",
        "proven" if fresh else "partial",
        ("yes" if not gaps else "partially") if fresh else "partially",
        {"signed_on": timezone.localdate(latest.signed_at).isoformat(), "gaps": gaps},
        "desk:compliance",
    )


def sbd_assessment(org: Organisation, now: datetime) -> Live:
    return _latest_signed(org, "sbd", now)


def aadc_assessment(org: Organisation, now: datetime) -> Live:
    return _latest_signed(org, "aadc", now)


PROVIDERS = (cria_coverage, sbd_assessment, aadc_assessment)
