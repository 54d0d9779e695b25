"""Reads of the hash banks for the compliance workspace (item 27) and the transparency report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q

from karpear.hashes.models import Bank, Match, MatchStatus
from karpear.orgs.models import Organisation


def bank_summary(organisation: Organisation) -> list[dict[str, Any]]:
    """Active banks with their source, policy and number of enabled hashes."""
    return list(
        Bank.objects.filter(organisation=organisation, active=True)
        .annotate(enabled=Count("hashes", filter=Q(hashes__disabled_at=None)))
        .order_by("name")
        .values(
            "name", "source", "agreement", "policy", "pdq_threshold", "preserve_uploads", "enabled"
        )
    )


def period_matches(organisation: Organisation, since: datetime, until: datetime) -> dict[str, Any]:
    """Matches in [since, until) per bank, and how many the desk rejected."""
    matches = Match.objects.filter(
        organisation=organisation, matched_at__gte=since, matched_at__lt=until
    )
    per_bank = dict(
        matches.values_list("bank_hash__bank__name")
        .annotate(n=Count("id"))
        .values_list("bank_hash__bank__name", "n")
    )
    return {
        "total": sum(per_bank.values()),
        "by_bank": per_bank,
        "rejected": matches.filter(status=MatchStatus.REJECTED).count(),
    }


def recent_matches(organisation: Organisation, limit: int = 100) -> list[Match]:
    return list(
        Match.objects.filter(organisation=organisation)
        .select_related("bank_hash__bank")
        .order_by("-matched_at", "-id")[:limit]
    )


def quarantined(organisation: Organisation) -> list[Any]:
    from karpear.hashes.models import BankHash

    return list(
        BankHash.objects.filter(bank__organisation=organisation, quarantined_at__isnull=False)
        .select_related("bank")
        .order_by("-quarantined_at")[:100]
    )


def cases_matching(organisation: Organisation, value: str) -> tuple[int, ...]:
    """Cases opened or joined by a match on this bank hash value, or on this content ID (the
    desk's case search, issue #16 item 10)."""
    value = value.strip()
    ids = (
        Match.objects.filter(organisation=organisation, case_id__isnull=False)
        .filter(Q(bank_hash__value=value.lower()) | Q(content_id=value))
        .values_list("case_id", flat=True)
        .distinct()[:1000]
    )
    return tuple(int(i) for i in ids if i is not None)
