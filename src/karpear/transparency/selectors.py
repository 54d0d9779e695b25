"""Reads of published transparency reports for other apps (compliance's live evidence)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max

from karpear.orgs.models import Organisation
from karpear.transparency.models import TransparencyReport


def publication_summary(organisation: Organisation) -> dict[str, Any]:
    """The newest published period and how many periods are published (one aggregate query and
    one row), for the safety-by-design item on annual transparency reporting."""
    latest = (
        TransparencyReport.objects.filter(organisation=organisation)
        .order_by("-period_end", "-version")
        .values("period_start", "period_end", "version", "published_at")
        .first()
    )
    counts = TransparencyReport.objects.filter(organisation=organisation).aggregate(
        periods=Count("period_end", distinct=True), last=Max("published_at")
    )
    return {"latest": latest, "periods": counts["periods"] or 0}
