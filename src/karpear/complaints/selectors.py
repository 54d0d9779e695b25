"""Reads of complaints: the desk queue and the transparency figures (issue #17, item 8)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from karpear.complaints.models import Complaint, ComplaintStatus
from karpear.core.percentiles import db_datetime, grouped_percentiles, hours_between
from karpear.orgs.models import Organisation


def complaint_queue(organisation: Organisation) -> QuerySet[Complaint]:
    """Open complaints first, soonest due first; decided ones after, newest first."""
    return (
        Complaint.objects.filter(organisation=organisation)
        .select_related("decision", "reviewed_by")
        .order_by("reviewed_at", "due_at", "-id")
    )


def overdue_count(organisation: Organisation) -> int:
    return Complaint.objects.filter(
        organisation=organisation, status=ComplaintStatus.RECEIVED, due_at__lt=timezone.now()
    ).count()


def period_complaints(
    organisation: Organisation, since: datetime, until: datetime
) -> dict[str, Any]:
    """Complaints received in [since, until): how many, how many upheld or reversed the
    decision (or wait), and the hours from receipt to outcome (issue #17, item 8)."""
    received = Complaint.objects.filter(
        organisation=organisation, received_at__gte=since, received_at__lt=until
    )
    per_status = dict(
        received.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    table = Complaint._meta.db_table
    values_sql = (  # fixed text; every value is a parameter
        f"SELECT 'all' AS k, {hours_between('reviewed_at', 'received_at')} AS h "  # noqa: S608
        f"FROM {table} WHERE organisation_id = %s AND received_at >= %s "
        "AND received_at < %s AND reviewed_at IS NOT NULL"
    )
    stats = grouped_percentiles(
        values_sql, [organisation.pk, db_datetime(since), db_datetime(until)]
    )
    return {
        "received": sum(per_status.values()),
        "outcome": {status: per_status.get(status, 0) for status in ComplaintStatus.values},
        "hours_to_decide": stats.get("all", {"n": 0, "p50": None, "p90": None}),
    }


def complaint_outcomes(decision_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per decision, its complaint's outcome for the statements of reasons (issue #17, item 8):
    one query for the whole batch."""
    rows = Complaint.objects.filter(decision_id__in=decision_ids).values_list(
        "decision_id", "status", "received_at", "reviewed_at", "action_reversed"
    )
    return {
        decision_id: {
            "outcome": status,
            "received_at": received.isoformat(),
            "decided_at": reviewed.isoformat() if reviewed else None,
            "reversed_on_complaint": status == ComplaintStatus.REVERSED,
            "action_undone": undone,
        }
        for decision_id, status, received, reviewed, undone in rows
    }
