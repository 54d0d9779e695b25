"""Operational reads of the hash index for `/metrics` (issue #23, item 1).

The PDQ snapshot is rebuilt from the database; hashes added since are caught up in each
process's memory. A snapshot that grows old with a large delta costs every process memory
and start-up time, so both are exposed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from operator import or_

from django.db.models import Count, Q

from karpear.hashes import index
from karpear.hashes.models import Bank, BankHash, HashType


@dataclass(frozen=True)
class IndexFigures:
    organisation_id: int
    built_at: datetime | None  # None: no snapshot written yet
    delta: int  # enabled PDQ hashes newer than the snapshot


def _snapshot_meta(organisation_id: int) -> tuple[datetime | None, int]:
    version = index._current(organisation_id)
    if not version:
        return None, 0
    try:
        meta = json.loads((index._root(organisation_id) / version / "meta.json").read_text())
        return datetime.fromisoformat(str(meta["built_at"])), int(meta["max_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, 0


def index_figures() -> list[IndexFigures]:
    """Per organisation with a bank: snapshot age and delta size, in two queries."""
    organisations = sorted(set(Bank.objects.values_list("organisation_id", flat=True)))
    if not organisations:
        return []
    metas = {org: _snapshot_meta(org) for org in organisations}
    newer = reduce(
        or_, (Q(bank__organisation_id=org, pk__gt=metas[org][1]) for org in organisations)
    )
    delta = dict(
        BankHash.objects.filter(newer, kind=HashType.PDQ, disabled_at__isnull=True)
        .values_list("bank__organisation_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [IndexFigures(org, metas[org][0], delta.get(org, 0)) for org in organisations]
