"""Counts of reports for the compliance workspace (checklist items 22 and 26)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count

from karpear.orgs.models import Organisation
from karpear.reports.models import Channel, Report


def report_counts(organisation: Organisation, since: datetime | None = None) -> dict[str, int]:
    """Reports received, in total and per channel, optionally only since a moment."""
    reports = Report.objects.filter(organisation=organisation)
    if since is not None:
        reports = reports.filter(received_at__gte=since)
    per_channel = dict(
        reports.values_list("channel").annotate(n=Count("id")).values_list("channel", "n")
    )
    counts = {str(channel): per_channel.get(channel, 0) for channel in Channel.values}
    counts["total"] = sum(per_channel.values())
    return counts
