"""The PDQ matching index: exact range search over 256-bit hashes (issue #6, items 8 and 9).

Each organisation's index has two parts:

- a **snapshot** (`mih.Snapshot`): multi-index hashing tables in files under
  `KARPEAR_HASH_INDEX_DIR/<organisation>/`, memory-mapped read-only, so every server process on a
  host shares one copy through the page cache and a restarted process is ready in milliseconds;
- a **delta**: a small in-memory faiss flat index of the hashes added since the snapshot, plus a
  mask of snapshot rows disabled since it was written.

Before each search a process brings its index up to date incrementally (new hashes added by id,
disabled ones masked), never a full rebuild. When the delta would pass
`KARPEAR_HASH_INDEX_COMPACT_AT` hashes, the process that sees it writes a new snapshot (under a
file lock, atomically: a new version directory, then the `current` pointer is replaced); the others
map it on their next search. Imports and `karpear hashes index` do the same. Results always equal
a brute-force scan at the same threshold.

A snapshot is verified against its manifest before it is mapped (`mih.Snapshot.load`, issue #15,
item 8). A damaged one is never searched: the error is logged, the snapshot rebuilt from the
database under the file lock, and until then the process answers from the database alone.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from karpear.hashes import mih

BITS = 256
BATCH = 50_000

log = logging.getLogger("karpear.hashes")


def to_bytes(hex_values: list[str]) -> np.ndarray:
    if not hex_values:
        return np.zeros((0, BITS // 8), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(hex_values)), dtype=np.uint8).reshape(-1, BITS // 8)


@dataclass
class FlatIndex:
    """Exact Hamming range search by scanning (faiss); ids are the caller's. Holds the delta."""

    _index: object = field(init=False)
    size: int = 0

    def __post_init__(self) -> None:
        import faiss

        # Issue #24: one thread. The delta is small (a scan of it takes well under a millisecond)
        # and OpenMP's worker threads, spinning on a busy host, made one query in fifty take
        # 50-150 ms instead of 0.3 (bench/hashes.py p99); server processes give the parallelism.
        faiss.omp_set_num_threads(1)
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
class PdqIndex:
    """A snapshot (shared, read-only) plus this process's delta; exact range search by id."""

    snapshot: mih.Snapshot = field(default_factory=mih.Snapshot.empty)
    version: str = ""
    delta: FlatIndex = field(default_factory=FlatIndex)
    dead: np.ndarray | None = None  # snapshot rows disabled since it was written

    @property
    def size(self) -> int:
        dead = int(self.dead.sum()) if self.dead is not None else 0
        return self.snapshot.size - dead + self.delta.size

    def add(self, ids: list[int], hex_values: list[str]) -> None:
        self.delta.add(ids, hex_values)

    def remove(self, ids: list[int]) -> None:
        if not ids:
            return
        rows = self.snapshot.rows_of(np.asarray(sorted(ids), dtype=np.int64))
        if len(rows):
            if self.dead is None:
                self.dead = np.zeros(self.snapshot.size, dtype=bool)
            self.dead[rows] = True
        self.delta.remove(ids)

    def search(self, hex_value: str, threshold: int) -> list[tuple[int, int]]:
        """Every (id, distance) with distance <= threshold, sorted by id."""
        rows, distances = self.snapshot.search(to_bytes([hex_value])[0], threshold)
        if self.dead is not None and len(rows):
            alive = ~self.dead[rows]
            rows, distances = rows[alive], distances[alive]
        found = [
            (int(i), int(d))
            for i, d in zip(np.asarray(self.snapshot.ids[rows]), distances, strict=True)
        ]
        return sorted(found + self.delta.search(hex_value, threshold))


@dataclass
class _Cached:
    index: PdqIndex
    max_id: int = 0
    disabled_seen: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    unusable: bool = False  # damaged, or of another database: rebuild it, never search it


_CACHE: dict[int, _Cached] = {}
_CACHE_LOCK = threading.Lock()


def _root(organisation_id: int) -> Path:
    from django.conf import settings

    return Path(settings.KARPEAR_HASH_INDEX_DIR) / str(organisation_id)


def _current(organisation_id: int) -> str:
    try:
        return (_root(organisation_id) / "current").read_text().strip()
    except FileNotFoundError:
        return ""


def _pdq_rows(organisation_id: int) -> Any:
    """The organisation's PDQ hashes; its banks as a subquery (no join, no extra round trip)."""
    from karpear.hashes.models import Bank, BankHash, HashType

    banks = Bank.objects.filter(organisation_id=organisation_id).values("pk")
    return BankHash.objects.filter(bank_id__in=banks, kind=HashType.PDQ)


def _fresh(organisation_id: int, after: int) -> Iterator[list[tuple[int, str]]]:
    """Enabled PDQ hashes with ids above `after`, in batches, bank by bank (each batch one
    range of the (bank, kind, id) index, so reading 10M rows never rescans the table)."""
    from karpear.hashes.models import Bank, BankHash, HashType

    for bank_id in Bank.objects.filter(organisation_id=organisation_id).values_list(
        "pk", flat=True
    ):
        cursor = after
        while True:
            batch = list(
                BankHash.objects.filter(bank_id=bank_id, kind=HashType.PDQ, pk__gt=cursor)
                .order_by("pk")
                .values_list("pk", "value", "disabled_at")[:BATCH]
            )
            if not batch:
                break
            cursor = batch[-1][0]
            yield [(pk, value) for pk, value, disabled in batch if disabled is None]
            if len(batch) < BATCH:
                break


def _load(organisation_id: int, version: str) -> _Cached:
    """Map a snapshot if it is intact and still describes this database (a restored backup
    may not). Anything else gives an empty snapshot, so every hash comes from the database."""
    if version:
        directory = _root(organisation_id) / version
        try:
            snapshot = mih.Snapshot.load(directory)
        except (OSError, ValueError) as exc:
            if not directory.exists() and _current(organisation_id) != version:
                return _Cached(PdqIndex())  # replaced by a newer snapshot meanwhile: no fault
            log.error(
                "PDQ index snapshot %s refused, rebuilding from the database: %s", directory, exc
            )
            return _Cached(PdqIndex(), unusable=True)
        max_id = int(str(snapshot.meta.get("max_id", 0)))
        last = _pdq_rows(organisation_id).filter(pk=max_id).values_list("value", flat=True)
        if max_id and list(last) != [snapshot.meta.get("max_value")]:
            log.warning("PDQ index snapshot %s describes another database, rebuilding", directory)
            return _Cached(PdqIndex(), unusable=True)
        return _Cached(
            PdqIndex(snapshot=snapshot, version=version),
            max_id=max_id,
            disabled_seen=datetime.fromisoformat(str(snapshot.meta["built_at"])),
        )
    return _Cached(PdqIndex())


def _catch_up(cached: _Cached, organisation_id: int, limit: int) -> bool:
    """Add new hashes and mask disabled ones; False when the delta would pass `limit`."""
    from django.utils import timezone

    pdq = _pdq_rows(organisation_id)
    checked_at = timezone.now()  # before reading, so nothing disabled meanwhile is missed
    if cached.disabled_seen is not None:
        cached.index.remove(
            list(
                pdq.filter(
                    disabled_at__gte=cached.disabled_seen, pk__lte=cached.max_id
                ).values_list("pk", flat=True)
            )
        )
    highest = cached.max_id
    for fresh in _fresh(organisation_id, cached.max_id):
        if cached.index.delta.size + len(fresh) > limit:
            return False
        cached.index.add([pk for pk, _ in fresh], [v for _, v in fresh])
        highest = max([highest, *(pk for pk, _ in fresh)])
    cached.max_id = highest
    cached.disabled_seen = checked_at
    return True


def index_for(organisation_id: int) -> PdqIndex:
    """This organisation's index, brought up to date with the database (incrementally).

    Every PDQ hash of the organisation is indexed whatever its bank's state: `find()` checks
    banks and hashes against the database, so a bank switched off and on again matches at once.
    """
    from django.conf import settings

    with _CACHE_LOCK:
        cached = _CACHE.get(organisation_id)
        if cached is None:
            cached = _CACHE[organisation_id] = _Cached(PdqIndex())
    with cached.lock:
        version = _current(organisation_id)
        if version != cached.index.version:
            loaded = _load(organisation_id, version)
            if loaded.unusable:  # write a sound one from the database and map that instead
                loaded = _rebuilt(organisation_id, discard=version) or loaded
                # Not rebuilt: remember the bad version, so it is checked once, not per search.
                loaded.index.version = loaded.index.version or version
            _adopt(cached, loaded)
        if not _catch_up(cached, organisation_id, settings.KARPEAR_HASH_INDEX_COMPACT_AT):
            rebuilt = _rebuilt(organisation_id)
            if rebuilt is not None:
                _adopt(cached, rebuilt)
            _catch_up(cached, organisation_id, limit=2**62)
        return cached.index


def _rebuilt(organisation_id: int, discard: str = "") -> _Cached | None:
    """A new snapshot written and mapped; None (logged) when it cannot be written, in which
    case the caller's index holds every hash in memory, read from the database."""
    try:
        index_compact(organisation_id, discard=discard)
    except OSError as exc:
        log.error("PDQ index snapshot cannot be written, answering from the database: %s", exc)
        return None
    return _load(organisation_id, _current(organisation_id))


def _adopt(cached: _Cached, loaded: _Cached) -> None:
    cached.index, cached.max_id, cached.disabled_seen = (
        loaded.index,
        loaded.max_id,
        loaded.disabled_seen,
    )
    if loaded.index.snapshot.size:
        _keep_mapped()


_REMAPPER = {"pid": 0}


def _keep_mapped() -> None:
    """Start, once per process (a forked worker starts its own), the thread that maps this
    process's snapshots again every KARPEAR_HASH_INDEX_TOUCH_EVERY seconds (issue #24: the
    first query after an idle night within milliseconds, not after 15k page faults)."""
    with _CACHE_LOCK:
        if _REMAPPER["pid"] == os.getpid():
            return
        _REMAPPER["pid"] = os.getpid()
    threading.Thread(target=_remap_forever, name="karpear-hash-index-remap", daemon=True).start()


def _remap_forever() -> None:
    from django.conf import settings

    while True:
        time.sleep(max(1.0, float(settings.KARPEAR_HASH_INDEX_TOUCH_EVERY)))
        with _CACHE_LOCK:
            snapshots = [cached.index.snapshot for cached in _CACHE.values()]
        for snapshot in snapshots:
            snapshot.remap()


@contextmanager
def _exclusive(organisation_id: int) -> Iterator[None]:
    root = _root(organisation_id)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w", encoding="ascii") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def index_compact(organisation_id: int, *, discard: str = "") -> dict[str, float]:
    """Write a new snapshot: the current one's live rows plus every hash added since.

    Reads only what the snapshot lacks from the database. Holds a file lock so two processes
    never build at once; a crash mid-way leaves the previous snapshot in place. `discard` names
    a snapshot found damaged: if it is still current, everything is read from the database
    (another process may have replaced it already, in which case its sound one is used).
    """
    from django.utils import timezone

    started = time.perf_counter()
    with _exclusive(organisation_id):
        current = _current(organisation_id)
        old = _load(organisation_id, current) if current != discard else _Cached(PdqIndex())
        snapshot, max_id = old.index.snapshot, old.max_id
        built_at = timezone.now()  # before reading: later changes are caught up incrementally
        pdq = _pdq_rows(organisation_id)
        keep = np.ones(snapshot.size, dtype=bool)
        if snapshot.size:
            gone = pdq.exclude(disabled_at=None).filter(pk__lte=max_id).values_list("pk", flat=True)
            keep[snapshot.rows_of(np.sort(np.asarray(list(gone), dtype=np.int64)))] = False
        codes = [np.asarray(snapshot.codes)[keep]]
        ids = [np.asarray(snapshot.ids)[keep]]
        last_value = str(snapshot.meta.get("max_value", ""))
        for fresh in _fresh(organisation_id, old.max_id):
            ids.append(np.asarray([pk for pk, _ in fresh], dtype=np.int64))
            codes.append(to_bytes([v for _, v in fresh]))
            for pk, value in fresh:
                if pk > max_id:
                    max_id, last_value = pk, value
        version = f"v{time.time_ns()}"
        root = _root(organisation_id)
        all_ids = np.concatenate(ids)
        mih.build(
            np.concatenate(codes),
            all_ids,
            root / version,
            {"max_id": max_id, "max_value": last_value, "built_at": built_at.isoformat()},
        )
        pointer = root / ".current.tmp"
        with open(pointer, "w", encoding="ascii") as out:
            out.write(version)
            out.flush()
            os.fsync(out.fileno())
        os.replace(pointer, root / "current")
        mih.fsync_directory(root)
        for stale in root.iterdir():  # mapped files stay readable to whoever still maps them
            if stale.is_dir() and stale.name != version:
                shutil.rmtree(stale, ignore_errors=True)
    return {"hashes": float(len(all_ids)), "seconds": time.perf_counter() - started}


def forget(organisation_id: int | None = None) -> None:
    """Drop cached indexes (tests; a restart)."""
    with _CACHE_LOCK:
        if organisation_id is None:
            _CACHE.clear()
        else:
            _CACHE.pop(organisation_id, None)
