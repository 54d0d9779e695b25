"""Counts of the list for the desk, the compliance workspace and the transparency report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Sum

from karpear.blocklist.models import (
    Entry,
    EntryKind,
    ListVersion,
    Source,
    Subscription,
)
from karpear.blocklist.publishing import latest_version
from karpear.orgs.models import Organisation


def list_summary(organisation: Organisation) -> dict[str, Any]:
    """Counts for the desk and, later, the compliance workspace and transparency report."""
    active = Entry.objects.filter(organisation=organisation, removed_in=None)
    return {
        "version": latest_version(organisation),
        "own_entries": active.filter(subscription=None).count(),
        "subscribed_entries": active.exclude(subscription=None).count(),
        "domains": active.filter(kind=EntryKind.DOMAIN).count(),
        "sources": list(Source.objects.filter(organisation=organisation).order_by("code")),
        "subscriptions": list(Subscription.objects.filter(organisation=organisation)),
        "versions": list(ListVersion.objects.filter(organisation=organisation)[:20]),
    }


def list_changes(organisation: Organisation, since: datetime, until: datetime) -> dict[str, int]:
    """The own list's size at the end of [since, until), and entries added and removed within it."""
    in_period = ListVersion.objects.filter(
        organisation=organisation, created_at__gte=since, created_at__lt=until
    ).aggregate(added=Sum("added"), removed=Sum("removed"), versions=Count("id"))
    last = (
        ListVersion.objects.filter(organisation=organisation, created_at__lt=until)
        .order_by("-number")
        .first()
    )
    return {
        "entries_at_end": last.total if last else 0,
        "added": in_period["added"] or 0,
        "removed": in_period["removed"] or 0,
        "versions": in_period["versions"],
    }
