"""Reading the audit log: filtered pages and CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from karpear.audit.models import AuditEntry
from karpear.core.csvcells import spreadsheet_safe
from karpear.orgs.models import Organisation


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    object_id: str = ""
    since: date | None = None
    until: date | None = None


def audit_entries(*, organisation: Organisation, filters: AuditFilter) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.filter(organisation=organisation)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.actor:
        entries = entries.filter(actor_label=filters.actor)
    if filters.object_id:
        entries = entries.filter(object_id=filters.object_id)
    if filters.since:
        entries = entries.filter(created_at__date__gte=filters.since)
    if filters.until:
        entries = entries.filter(created_at__date__lte=filters.until)
    return entries.order_by("-id")


def audit_csv(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "id",
            "time",
            "actor",
            "action",
            "object_type",
            "object_id",
            "detail",
            "session",
            "entry_hash",
        ]
    )
    yield buffer.getvalue()
    for entry in entries.iterator(chunk_size=2000):
        buffer.seek(0)
        buffer.truncate()
        # Labels and ids can be text someone typed (a username at sign-in): never a formula.
        writer.writerow(
            [
                spreadsheet_safe(value)
                for value in (
                    entry.id,
                    entry.created_at.isoformat(),
                    entry.actor_label,
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    str(entry.detail),
                    entry.session,
                    entry.entry_hash,
                )
            ]
        )
        yield buffer.getvalue()
