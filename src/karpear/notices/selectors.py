"""Reads of notices for the desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q

from karpear.notices.models import Issuer, IssuerKind, ItemStatus, Notice
from karpear.orgs.models import Organisation


@dataclass(frozen=True)
class NoticeRow:
    notice: Notice
    items: int
    isolated: int
    confirmed: int
    first_confirmed: datetime | None

    @property
    def seconds_to_act(self) -> float | None:
        if self.notice.acted_at is None:
            return None
        return (self.notice.acted_at - self.notice.received_at).total_seconds()

    @property
    def seconds_to_confirm(self) -> float | None:
        if self.first_confirmed is None:
            return None
        return (self.first_confirmed - self.notice.received_at).total_seconds()


def recent_notices(organisation: Organisation, limit: int = 100) -> list[NoticeRow]:
    rows = (
        Notice.objects.filter(organisation=organisation)
        .select_related("issuer")
        .annotate(
            n_items=Count("items"),
            n_isolated=Count("items", filter=Q(items__status=ItemStatus.ISOLATED)),
            n_confirmed=Count("items", filter=Q(items__platform_confirmed_at__isnull=False)),
            first_confirmed=Min("items__platform_confirmed_at"),
        )
        .order_by("-received_at")[:limit]
    )
    return [NoticeRow(n, n.n_items, n.n_isolated, n.n_confirmed, n.first_confirmed) for n in rows]


def issuer_counts(organisation: Organisation) -> dict[str, int]:
    """Active authorised issuers per kind, and notices received (checklist items 25 and 29)."""
    per_kind = dict(
        Issuer.objects.filter(organisation=organisation, active=True)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    counts = {f"issuers_{kind}": per_kind.get(kind, 0) for kind in IssuerKind.values}
    counts["notices"] = Notice.objects.filter(organisation=organisation).count()
    return counts


def active_issuers(organisation: Organisation) -> list[Issuer]:
    """Who may send this organisation takedown notices (drafted procedure, checklist 29)."""
    return list(Issuer.objects.filter(organisation=organisation, active=True).order_by("name"))
