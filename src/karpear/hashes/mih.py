"""Multi-index hashing over 256-bit PDQ hashes, stored as memory-mapped files (issue #6, item 9).

Why this and not faiss: a flat faiss index scans every hash on every query (10M hashes, ~40 ms),
and faiss's own multi-hash index keeps its tables in per-bucket C++ vectors of 64-bit ids (over
1 GB at 10M), cannot remove, and rebuilds them on load. `bench/hashes.py` measures the choices.

The hash is cut into 12 substrings (each 64-bit word into 22 + 21 + 21 bits). Two hashes within
distance 35 differ in at most two bits in at least one substring (pigeonhole: 12 x 3 = 36 > 35),
so probing each substring's bucket and its neighbours within two bits finds every candidate;
each candidate's full distance is then checked, so results equal a brute-force scan exactly.
Thresholds above 35 fall back to a full scan (still exact). Per table the rows are sorted by
substring (CSR: one offset per bucket and a 3-byte row number per hash), so 10M hashes take
320 MB of codes, 360 MB of tables, 128 MB of offsets and 80 MB of ids, all in files that every
process maps read-only and shares through the page cache.

Each snapshot carries `manifest.json`: the size and SHA-256 of every file, written with them and
renamed into place with them (issue #15, item 8). `Snapshot.load` checks it before mapping
anything, so a truncated, damaged or incomplete snapshot is refused as a whole (`CorruptSnapshot`)
and never searched: a bad file must never turn a match into "no match". The sizes are checked
first (a truncation costs one stat); the hashes are read once per process per snapshot, at its
first map (`bench/hashes.py` reports the cost as part of the load time). SHA-256, not a MAC: it
guards against damage; whoever can write the data directory can also write the database.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import shutil
import tempfile
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import BinaryIO

import numpy as np

from karpear.hashes import probe

WIDTHS = (22, 21, 21) * 4  # 12 substrings, three per 64-bit word
SHIFTS = (42, 21, 0) * 4
TABLES = len(WIDTHS)
EXACT_UP_TO = 35  # two flipped bits per substring; above this, a full scan


def _masks(width: int) -> np.ndarray:
    singles = [1 << i for i in range(width)]
    pairs = [(1 << i) | (1 << j) for i, j in combinations(range(width), 2)]
    return np.asarray([0, *singles, *pairs], dtype=np.int64)


_MASKS = [_masks(w) for w in WIDTHS]
_BUCKET_BASE = np.concatenate([[0], np.cumsum([(1 << w) + 1 for w in WIDTHS])]).astype(np.int64)
_PROBE_TABLE = np.concatenate([np.full(len(m), t) for t, m in enumerate(_MASKS)])
_PROBE_MASK = np.concatenate(_MASKS)
_PROBE_BASE = _BUCKET_BASE[:-1][_PROBE_TABLE]


ARRAYS = ("codes", "ids", "tables", "offsets")
FILES = (*(f"{name}.npy" for name in ARRAYS), "meta.json")
MANIFEST = "manifest.json"


class CorruptSnapshot(ValueError):
    """A snapshot whose files do not match its manifest (or that has none)."""


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def verify(directory: Path) -> None:
    """Raise CorruptSnapshot unless every file has the size and SHA-256 its manifest says."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
        expected = {name: manifest["files"][name] for name in FILES}
    except FileNotFoundError as exc:
        raise CorruptSnapshot(f"{directory}: no manifest") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise CorruptSnapshot(f"{directory}: unreadable manifest ({exc!r})") from exc
    for name, entry in expected.items():  # every size first: a truncation costs no reading
        try:
            size = (directory / name).stat().st_size
        except FileNotFoundError as exc:
            raise CorruptSnapshot(f"{directory}: {name} is missing") from exc
        if size != entry["size"]:
            raise CorruptSnapshot(f"{directory}: {name} has {size} bytes, not {entry['size']}")
    for name, entry in expected.items():
        if _sha256(directory / name) != entry["sha256"]:
            raise CorruptSnapshot(f"{directory}: {name} does not match its SHA-256")


class _Hashing:
    """A write-only file that hashes what passes through it (np.save writes into it)."""

    def __init__(self, out: BinaryIO) -> None:
        self.out, self.hash, self.size = out, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        return self.out.write(data)

    def entry(self) -> dict[str, object]:
        return {"size": self.size, "sha256": self.hash.hexdigest()}


def fsync_directory(directory: Path) -> None:
    """A rename is durable only once its directory is synced."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _words(codes: np.ndarray) -> np.ndarray:
    """(N, 4) uint64 words of (N, 32) uint8 codes, byte 0 most significant."""
    return codes.view(">u8").astype(np.uint64)


def _substring(words: np.ndarray, table: int) -> np.ndarray:
    """One table's key for every hash: its bits of the hash, as an unsigned integer."""
    shifted = words[:, table // 3] >> np.uint64(SHIFTS[table])
    return shifted & np.uint64((1 << WIDTHS[table]) - 1)


def _row_bytes(n: int) -> int:
    return 3 if n < (1 << 24) else 4


MADV_POPULATE_READ = 22  # Linux 5.14; Python's mmap module does not name it


def _populate(array: np.ndarray) -> None:
    """Map every page of a mapped array now (issue #24): otherwise this process's first queries
    each take thousands of page faults (5 ms instead of 0.3 at 1M hashes; ~20 ms per 1M to
    populate). Older kernels only get read-ahead (WILLNEED)."""
    mapped = getattr(array, "_mmap", None)
    if mapped is None:
        return
    try:
        mapped.madvise(MADV_POPULATE_READ)
    except OSError:
        mapped.madvise(mmap.MADV_WILLNEED)


def _madvise_released(array: np.ndarray, advice: int) -> bool:
    """madvise over a mapped array's pages through libc, so the GIL is released meanwhile
    (Python's mmap.madvise holds it, and re-mapping 10M hashes takes a few hundred ms)."""
    import ctypes

    if getattr(array, "_mmap", None) is None or not array.nbytes:
        return False
    start = int(array.ctypes.data)
    aligned = start - start % mmap.PAGESIZE
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return int(libc.madvise(aligned, array.nbytes + start - aligned, advice)) == 0


@dataclass
class Snapshot:
    """A read-only MIH snapshot: codes (N, 32), ids (N,) ascending, tables, offsets."""

    codes: np.ndarray
    ids: np.ndarray
    tables: np.ndarray  # (TABLES, N, row bytes) uint8: row numbers, little-endian
    offsets: np.ndarray  # every table's bucket offsets, one after another (uint32)
    meta: dict[str, object]

    @property
    def size(self) -> int:
        return len(self.ids)

    @classmethod
    def empty(cls) -> Snapshot:
        return cls(
            codes=np.zeros((0, 32), np.uint8),
            ids=np.zeros(0, np.int64),
            tables=np.zeros((TABLES, 0, 3), np.uint8),
            offsets=np.zeros(int(_BUCKET_BASE[-1]), np.uint32),
            meta={},
        )

    @classmethod
    def load(cls, directory: Path) -> Snapshot:
        """Verify the files against the manifest, then map them (CorruptSnapshot if they differ).

        The files are read once here to check their hashes; afterwards a query touches only
        the pages it needs.
        """
        verify(directory)
        probe.warm()
        snapshot = cls(
            codes=np.load(directory / "codes.npy", mmap_mode="r"),
            ids=np.load(directory / "ids.npy", mmap_mode="r"),
            tables=np.load(directory / "tables.npy", mmap_mode="r"),
            offsets=np.load(directory / "offsets.npy", mmap_mode="r"),
            meta=json.loads((directory / "meta.json").read_text()),
        )
        for array in (snapshot.codes, snapshot.tables, snapshot.offsets):
            _populate(array)
        return snapshot

    def remap(self) -> None:
        """Map every page of this process's view again (issue #24), without the GIL.

        When the kernel evicts a snapshot's pages it also drops them from every process's page
        tables; the worker's keep-warm round reads the files back into the page cache, but each
        server process then still takes ~15k page faults at its next query at 10M hashes
        (50-160 ms measured). `index` runs this in each process after every keep-warm period;
        when nothing was evicted it only walks the page tables."""
        for array in (self.codes, self.tables, self.offsets):
            _madvise_released(array, MADV_POPULATE_READ)

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Row numbers of those ids that are in this snapshot."""
        if not len(ids) or not self.size:
            return np.zeros(0, np.int64)
        where = np.searchsorted(self.ids, ids)
        inside = where < self.size
        where, ids = where[inside], ids[inside]
        found: np.ndarray = where[np.asarray(self.ids[where]) == ids]
        return found

    def search(self, query: np.ndarray, threshold: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows within `threshold` of one (32,) uint8 query, and their distances."""
        return self.search_many(query.reshape(1, 32), threshold)[0]

    def search_many(
        self, queries: np.ndarray, threshold: int, *, compiled: bool = True
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each (32,) uint8 row of `queries`: the rows within `threshold` (ascending) and
        their distances. The compiled probe (issue #24) answers a whole batch in one call; the
        pure path (`compiled=False`, or numba missing) gives identical results."""
        empty = np.zeros(0, np.int64)
        if not self.size or not len(queries):
            return [(empty, empty) for _ in range(len(queries))]
        if threshold > EXACT_UP_TO:
            return [self._scan(query, threshold) for query in queries]
        if compiled and threshold >= 0:
            words = _words(np.ascontiguousarray(queries, dtype=np.uint8))
            keys = np.stack([_substring(words, t) for t in range(TABLES)], axis=1).astype(np.int64)
            answer = probe.probe(
                offsets=self.offsets,
                tables=self.tables,
                codes=self.codes,
                queries=queries,
                keys=keys,
                threshold=threshold,
                probe_base=_PROBE_BASE,
                probe_table=_PROBE_TABLE,
                probe_mask=_PROBE_MASK,
            )
            if answer is not None:
                lims, rows, distances = answer
                return [
                    (rows[lims[i] : lims[i + 1]], distances[lims[i] : lims[i + 1]])
                    for i in range(len(queries))
                ]
        return [self._pure(query, threshold) for query in queries]

    def _pure(self, query: np.ndarray, threshold: int) -> tuple[np.ndarray, np.ndarray]:
        """One query through numpy calls alone: the fallback, and the reference in tests."""
        rows = self._candidates(query)
        if not len(rows):
            return rows, rows
        mine = np.asarray(self.codes[rows]).view(np.uint64)
        theirs = query.view(np.uint64)
        distances = np.bitwise_count(mine ^ theirs).sum(axis=1, dtype=np.int64)
        keep = distances <= threshold
        rows, first = np.unique(rows[keep], return_index=True)  # a row found by two tables
        return rows, distances[keep][first]

    def _scan(self, query: np.ndarray, threshold: int) -> tuple[np.ndarray, np.ndarray]:
        """Every row, a million at a time (thresholds the tables cannot answer exactly)."""
        found, distances = [], []
        for first in range(0, self.size, 1_000_000):
            chunk = np.asarray(self.codes[first : first + 1_000_000]).view(np.uint64)
            near = np.bitwise_count(chunk ^ query.view(np.uint64)).sum(axis=1, dtype=np.int64)
            keep = np.nonzero(near <= threshold)[0]
            found.append(keep + first)
            distances.append(near[keep])
        return np.concatenate(found), np.concatenate(distances)

    def _candidates(self, query: np.ndarray) -> np.ndarray:
        words = _words(query.reshape(1, 32))
        keys = np.asarray([_substring(words, t)[0] for t in range(TABLES)], dtype=np.int64)
        probes = _PROBE_BASE + (keys[_PROBE_TABLE] ^ _PROBE_MASK)
        starts = np.asarray(self.offsets[probes]).astype(np.int64)
        lengths = np.asarray(self.offsets[probes + 1]).astype(np.int64) - starts
        hit = lengths > 0
        starts, lengths, tables = starts[hit], lengths[hit], _PROBE_TABLE[hit]
        total = int(lengths.sum())
        if not total:
            return np.zeros(0, np.int64)
        # Flat positions into the (TABLES * N) row table, one run per probed bucket.
        base = np.repeat(tables * self.size + starts - np.cumsum(lengths) + lengths, lengths)
        positions = base + np.arange(total)
        width = self.tables.shape[2]
        packed = np.asarray(self.tables.reshape(-1, width)[positions])
        if width == 4:
            return packed.view("<u4").ravel().astype(np.int64)
        padded = np.zeros((total, 4), np.uint8)
        padded[:, :width] = packed
        return padded.view("<u4").ravel().astype(np.int64)


def build(codes: np.ndarray, ids: np.ndarray, directory: Path, meta: dict[str, object]) -> None:
    """Write a snapshot atomically: into a temporary sibling, then renamed into place."""
    order = np.argsort(ids, kind="stable")
    codes = np.ascontiguousarray(codes[order])
    ids = np.ascontiguousarray(ids[order], dtype=np.int64)
    n = len(ids)
    width = _row_bytes(n)
    tables = np.empty((TABLES, n, width), np.uint8)
    offsets = np.zeros(int(_BUCKET_BASE[-1]), np.uint32 if n < (1 << 32) else np.uint64)
    words = _words(codes)
    for table, bits in enumerate(WIDTHS):
        column = _substring(words, table)
        # Sorting key and row together in one uint64 is several times faster than argsort.
        paired = (column.astype(np.uint64) << np.uint64(32)) | np.arange(n, dtype=np.uint64)
        paired.sort()
        rows = (paired & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        del paired
        tables[table] = rows.view(np.uint8).reshape(n, 4)[:, :width]  # little-endian
        counts = np.bincount(column.astype(np.int64), minlength=1 << bits)
        first = int(_BUCKET_BASE[table])
        offsets[first + 1 : first + len(counts) + 1] = np.cumsum(counts)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=directory.parent))
    try:
        files: dict[str, dict[str, object]] = {}
        for name, array in zip(ARRAYS, (codes, ids, tables, offsets), strict=True):
            with open(staging / f"{name}.npy", "wb") as out:
                hashing = _Hashing(out)
                np.save(hashing, array)
                out.flush()
                os.fsync(out.fileno())
            files[f"{name}.npy"] = hashing.entry()
        meta_bytes = json.dumps({**meta, "size": n}).encode()
        (staging / "meta.json").write_bytes(meta_bytes)
        files["meta.json"] = {
            "size": len(meta_bytes),
            "sha256": hashlib.sha256(meta_bytes).hexdigest(),
        }
        with open(staging / MANIFEST, "w", encoding="ascii") as out:
            json.dump({"files": files}, out)
            out.flush()
            os.fsync(out.fileno())
        fsync_directory(staging)
        os.replace(staging, directory)
        fsync_directory(directory.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
