"""Operational reads of the vault for `/metrics` and the worker (issue #23, item 1).

Counts only; nothing here reads or decrypts an item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q

from karpear.evidence.models import EvidenceItem, LegalHold

# The purge job runs every five minutes: an item due for longer than this was not destroyed
# by several runs in a row, so destruction is failing (guidelines 2.6 c: "not longer than
# absolutely required").
PURGE_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class DestructionFigures:
    organisation_id: int
    due: int  # past retention, no active hold, not destroyed
    overdue: int  # of those, due for longer than PURGE_GRACE: purges are failing
    stuck: int  # key erased but bytes or certificate missing: an interrupted purge


def destruction_figures(*, now: datetime) -> list[DestructionFigures]:
    """Per organisation, in one query (the hold check is a correlated EXISTS)."""
    held = LegalHold.objects.filter(item=OuterRef("pk"), released_at__isnull=True)
    due = Q(retention_until__lte=now, held=False) & ~Q(wrapped_key="")
    rows = (
        EvidenceItem.objects.filter(destroyed_at__isnull=True)
        .annotate(held=Exists(held))
        .values_list("organisation_id")
        .annotate(
            due=Count("id", filter=due),
            overdue=Count("id", filter=due & Q(retention_until__lte=now - PURGE_GRACE)),
            stuck=Count("id", filter=Q(wrapped_key="")),
        )
        .order_by()
    )
    return [DestructionFigures(*row) for row in rows if any(row[1:])]


def items_due_for_destruction(*, now: datetime) -> int:
    """The purge job's queue: due items plus interrupted destructions."""
    return sum(f.due + f.stuck for f in destruction_figures(now=now))
