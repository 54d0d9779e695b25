"""The PDQ matching index: exact range search over 256-bit hashes (issue #6, items 8 and 9).

A faiss binary index (IndexBinaryFlat inside an IndexBinaryIDMap2, ids = BankHash ids) answers
"every hash within distance d", which is exactly what a brute-force scan returns. Each process
keeps one index per organisation and brings it up to date incrementally before each search:
new hashes are added by id, disabled ones removed, never a full rebuild.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

BITS = 256


def to_bytes(hex_values: list[str]) -> np.ndarray:
    if not hex_values:
        return np.zeros((0, BITS // 8), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(hex_values)), dtype=np.uint8).reshape(-1, BITS // 8)


@dataclass
class PdqIndex:
    """Exact Hamming range search; ids are the caller's."""

    _index: object = field(init=False)
    size: int = 0

    def __post_init__(self) -> None:
        import faiss

        self._index = faiss.IndexBinaryIDMap2(faiss.IndexBinaryFlat(BITS))

    def add(self, ids: list[int], hex_values: list[str]) -> None:
        if ids:
            self._index.add_with_ids(to_bytes(hex_values), np.asarray(ids, dtype=np.int64))  # type: ignore[attr-defined]
            self.size += len(ids)

    def remove(self, ids: list[int]) -> None:
        if ids:
            removed = self._index.remove_ids(np.asarray(ids, dtype=np.int64))  # type: ignore[attr-defined]
            self.size -= int(removed)

    def search(self, hex_value: str, threshold: int) -> list[tuple[int, int]]:
        """Every (id, distance) with distance <= threshold."""
        if self.size == 0:
            return []
        lims, distances, ids = self._index.range_search(to_bytes([hex_value]), threshold + 1)  # type: ignore[attr-defined]
        return sorted(
            (int(i), int(d))
            for i, d in zip(ids[lims[0] : lims[1]], distances[lims[0] : lims[1]], strict=True)
        )


@dataclass
class _Cached:
    index: PdqIndex
    max_id: int = 0
    disabled_seen: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_CACHE: dict[int, _Cached] = {}
_CACHE_LOCK = threading.Lock()


BATCH = 200_000


def index_for(organisation_id: int) -> PdqIndex:
    """This organisation's index, brought up to date with the database (incrementally).

    Every PDQ hash of the organisation is indexed whatever its bank's state: `find()` checks
    banks and hashes against the database, so a bank switched off and on again matches at once.
    """
    from django.utils import timezone

    from karpear.hashes.models import BankHash, HashType

    with _CACHE_LOCK:
        cached = _CACHE.get(organisation_id)
        if cached is None:
            cached = _CACHE[organisation_id] = _Cached(PdqIndex())
    with cached.lock:
        pdq = BankHash.objects.filter(bank__organisation_id=organisation_id, kind=HashType.PDQ)
        checked_at = timezone.now()  # before reading, so nothing disabled meanwhile is missed
        if cached.disabled_seen is not None:
            cached.index.remove(
                list(
                    pdq.filter(
                        disabled_at__gte=cached.disabled_seen, pk__lte=cached.max_id
                    ).values_list("pk", flat=True)
                )
            )
        while True:
            fresh = list(
                pdq.filter(pk__gt=cached.max_id, disabled_at=None)
                .order_by("pk")
                .values_list("pk", "value")[:BATCH]
            )
            if not fresh:
                break
            cached.index.add([pk for pk, _ in fresh], [v for _, v in fresh])
            cached.max_id = fresh[-1][0]
            if len(fresh) < BATCH:
                break
        cached.disabled_seen = checked_at
        return cached.index


def forget(organisation_id: int | None = None) -> None:
    """Drop cached indexes (tests; a bank deactivated)."""
    with _CACHE_LOCK:
        if organisation_id is None:
            _CACHE.clear()
        else:
            _CACHE.pop(organisation_id, None)
