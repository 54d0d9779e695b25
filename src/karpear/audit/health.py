"""Operational reads of the audit log for `/metrics` (issue #23, item 1).

The checkpoint figures let an alert fire when the worker stopped signing the chain's head
while entries keep arriving: without checkpoints, a truncated log goes unnoticed (#15, 9).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count

from karpear.audit import checkpoints
from karpear.audit.models import AuditEntry, AuditHead


@dataclass(frozen=True)
class CheckpointFigures:
    last_at: datetime | None  # time of the newest signed checkpoint on this host
    entries_since: int  # entries written after it (all of them when there is none)


def checkpoint_figures() -> CheckpointFigures:
    """Newest local checkpoint (its signature checked) and the entries after it: one query."""
    latest = checkpoints.latest_checkpoint()
    head = AuditHead.objects.filter(id=1).values_list("count", flat=True).first() or 0
    if latest is None:
        return CheckpointFigures(None, head)
    return CheckpointFigures(datetime.fromisoformat(latest.time), max(head - latest.count, 0))


def action_counts(*, actions: list[str], since: datetime) -> dict[str, int]:
    """How many entries of each action were recorded since `since`: one query."""
    rows = (
        AuditEntry.objects.filter(action__in=actions, created_at__gte=since)
        .values_list("action")
        .annotate(n=Count("id"))
        .order_by()
    )
    found = dict(rows)
    return {action: found.get(action, 0) for action in actions}
