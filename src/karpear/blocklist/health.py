"""Operational reads of the blocklist for `/metrics` (issue #23, item 1).

A list holder's newest version and each subscriber's last successful pull: an ISP enforcing
a stale list blocks yesterday's addresses and misses today's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max

from karpear.blocklist.models import Appeal, AppealStatus, ListVersion, Subscription


@dataclass(frozen=True)
class PublishedFigures:
    organisation_id: int
    number: int
    published_at: datetime


@dataclass(frozen=True)
class SubscriptionFigures:
    organisation_id: int
    name: str  # the subscription's slug, chosen by the operator
    version: int
    pulled_at: datetime | None  # last successful pull
    failing: bool  # the last pull failed after the last success


def published_figures() -> list[PublishedFigures]:
    """Newest published version per organisation: one query."""
    rows = (
        ListVersion.objects.values_list("organisation_id")
        .annotate(number=Max("number"), at=Max("created_at"))
        .order_by()
    )
    return [PublishedFigures(org, number, at) for org, number, at in rows]


def subscription_figures() -> list[SubscriptionFigures]:
    """Every subscription's state: one query (a handful of rows per ISP)."""
    rows = Subscription.objects.values_list(
        "organisation_id", "name", "version", "pulled_at", "last_error_at"
    ).order_by("organisation_id", "name")
    return [
        SubscriptionFigures(
            org, name, version, pulled, bool(error and (pulled is None or error > pulled))
        )
        for org, name, version, pulled, error in rows
    ]


def appeals_to_forward() -> int:
    """Appeals the worker must still send to their source (its queue)."""
    return (
        Appeal.objects.filter(
            status=AppealStatus.RECEIVED, forward_attempts__lt=20, source__isnull=False
        )
        .exclude(source__appeals_email="")
        .count()
    )
