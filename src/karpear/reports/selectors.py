"""Counts of reports for the compliance workspace (checklist items 22 and 26)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count

from karpear.orgs.models import Organisation
from karpear.reports.models import Category, Channel, Report, ReportedItem


def _received(
    organisation: Organisation, since: datetime | None = None, until: datetime | None = None
) -> Any:
    reports = Report.objects.filter(organisation=organisation)
    if since is not None:
        reports = reports.filter(received_at__gte=since)
    if until is not None:
        reports = reports.filter(received_at__lt=until)
    return reports


def report_counts(
    organisation: Organisation, since: datetime | None = None, until: datetime | None = None
) -> dict[str, int]:
    """Reports received, in total and per channel, optionally only in [since, until)."""
    reports = _received(organisation, since, until)
    per_channel = dict(
        reports.values_list("channel").annotate(n=Count("id")).values_list("channel", "n")
    )
    counts = {str(channel): per_channel.get(channel, 0) for channel in Channel.values}
    counts["total"] = sum(per_channel.values())
    return counts


def period_reports(organisation: Organisation, since: datetime, until: datetime) -> dict[str, Any]:
    """Reports received in [since, until): total, per channel, per category, and their items."""
    reports = _received(organisation, since, until)
    by_channel = report_counts(organisation, since, until)
    per_category = dict(
        reports.values_list("category").annotate(n=Count("id")).values_list("category", "n")
    )
    return {
        "total": by_channel.pop("total"),
        "by_channel": by_channel,
        "by_category": {c: per_category.get(c, 0) for c in Category.values},
        "items": ReportedItem.objects.filter(report__in=reports).count(),
    }
