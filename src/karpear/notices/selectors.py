"""Reads of notices for the desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Min, Q

from karpear.core.percentiles import db_datetime, grouped_percentiles, hours_between
from karpear.notices.models import Issuer, IssuerKind, ItemStatus, Notice, NoticeItem
from karpear.orgs.models import Organisation


@dataclass(frozen=True)
class NoticeRow:
    notice: Notice
    items: int
    isolated: int
    confirmed: int
    first_confirmed: datetime | None
    # Items added later by amendments (issue #15, item 5), and the last one's time.
    amended_items: int = 0
    last_amended: datetime | None = None

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
            n_amended=Count("items", filter=Q(items__added_at__isnull=False)),
            last_amended=Max("items__added_at"),
        )
        .order_by("-received_at")[:limit]
    )
    return [
        NoticeRow(
            n,
            n.n_items,
            n.n_isolated,
            n.n_confirmed,
            n.first_confirmed,
            n.n_amended,
            n.last_amended,
        )
        for n in rows
    ]


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


def period_notices(organisation: Organisation, since: datetime, until: datetime) -> dict[str, Any]:
    """Notices received in [since, until), per issuer kind, with median hours to acknowledge
    (Karpear isolating the items: Notice.acted_at) and to act (the platform confirming the
    first takedown: NoticeItem.platform_confirmed_at)."""
    notices = Notice.objects.filter(
        organisation=organisation, received_at__gte=since, received_at__lt=until
    )
    per_kind = dict(
        notices.values_list("issuer__kind").annotate(n=Count("id")).values_list("issuer__kind", "n")
    )
    params = [organisation.pk, db_datetime(since), db_datetime(until)]
    where = "n.organisation_id = %s AND n.received_at >= %s AND n.received_at < %s"
    table, items = Notice._meta.db_table, NoticeItem._meta.db_table
    acknowledge = grouped_percentiles(
        f"SELECT 'all' AS k, {hours_between('n.acted_at', 'n.received_at')} AS h "
        f"FROM {table} n WHERE {where} AND n.acted_at IS NOT NULL",
        params,
    ).get("all", {"n": 0})
    act = grouped_percentiles(
        f"SELECT 'all' AS k, {hours_between('MIN(i.platform_confirmed_at)', 'n.received_at')} AS h "
        f"FROM {table} n JOIN {items} i ON i.notice_id = n.id WHERE {where} "
        "AND i.platform_confirmed_at IS NOT NULL GROUP BY n.id, n.received_at",
        params,
    ).get("all", {"n": 0})
    return {
        "total": sum(per_kind.values()),
        "by_issuer_kind": {k: per_kind.get(k, 0) for k in IssuerKind.values},
        "items": NoticeItem.objects.filter(notice__in=notices).count(),
        "hours_to_acknowledge": acknowledge,
        "hours_to_act": act,
    }
