"""Compiled probe-and-verify for the MIH snapshot (issue #24, PDQ index row).

The pure path (`mih.Snapshot._candidates`) makes ~2,800 small numpy calls per query and
materialises every candidate row (~13k at 10M) before checking a single distance. Here one
compiled loop walks each probed bucket, decodes the row number in place, checks the full
Hamming distance against the memory-mapped codes and keeps only the rows within the threshold;
a row found through several tables is kept once (the few matches of a query are sorted and
repeats dropped, which gives exactly the pure path's `np.unique` order). Queries come in
batches, so the Python overhead is paid once per batch.

numba compiles it (cached on disk, `cache=True`, so a restarted process loads machine code
instead of compiling). numba itself is imported at the first need (`warm`, when a snapshot is
mapped), never at import: importing it takes over half a second, which every command, test
and server process would pay at start-up (hashes.apps registers the warm job, whose module
imports mih and so this one). If numba is missing (`AVAILABLE` False) or fails to import or
compile, the snapshot uses the pure path: same results, slower. `tests/hashes/test_probe.py`
compares both.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from typing import Any

import numpy as np

log = logging.getLogger("karpear.hashes")


def _popcount(x: Any) -> Any:
    """Bits set in a uint64 (SWAR; LLVM turns it into one popcnt instruction)."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


def _probe(  # noqa: PLR0912, PLR0915, PLR0917 - one numba kernel, arrays positionally
    offsets: Any,
    tables: Any,
    width: int,
    n: int,
    codes: Any,
    queries: Any,
    keys: Any,
    threshold: int,
    probe_base: Any,
    probe_table: Any,
    probe_mask: Any,
) -> Any:
    """Rows within `threshold` of each query: (lims, rows, distances), rows sorted per query.

    offsets: every table's bucket offsets; tables: the (TABLES * N * width) row table as bytes;
    codes and queries: native uint64 views (N, 4) and (Q, 4); keys: (Q, TABLES) substrings.

    Three passes per query, each a loop whose iterations do not wait for one another (issue
    #24): the bucket bounds of every probe, then every candidate's row number, then every
    candidate's distance. Walking bucket by bucket made each probe a chain of three dependent
    cache misses (bounds, then row, then code) that the CPU could not overlap; at 10M hashes
    (~11k candidates, ~2,800 probes a query) that chain was the whole cost.
    """
    q_count = queries.shape[0]
    p_count = probe_base.shape[0]
    lims = np.zeros(q_count + 1, np.int64)
    capacity = 1024
    rows = np.empty(capacity, np.int64)
    dists = np.empty(capacity, np.int64)
    firsts = np.empty(p_count, np.int64)
    lasts = np.empty(p_count, np.int64)
    candidates = np.empty(16384, np.int64)
    found = 0
    for q in range(q_count):
        q0, q1, q2, q3 = queries[q, 0], queries[q, 1], queries[q, 2], queries[q, 3]
        start = found
        total = 0
        for p in range(p_count):  # 1: every probe's bucket bounds
            bucket = probe_base[p] + (keys[q, probe_table[p]] ^ probe_mask[p])
            firsts[p] = np.int64(offsets[bucket])
            lasts[p] = np.int64(offsets[bucket + 1])
        for p in range(p_count):
            total += lasts[p] - firsts[p]
        if total > candidates.shape[0]:
            candidates = np.empty(total, np.int64)
        k = 0
        for p in range(p_count):  # 2: every candidate's row number
            flat = (probe_table[p] * n + firsts[p]) * width
            for _ in range(firsts[p], lasts[p]):
                row = (
                    np.int64(tables[flat])
                    | (np.int64(tables[flat + 1]) << 8)
                    | (np.int64(tables[flat + 2]) << 16)
                )
                if width == 4:
                    row |= np.int64(tables[flat + 3]) << 24
                candidates[k] = row
                k += 1
                flat += width
        for i in range(k):  # 3: every candidate's distance
            row = candidates[i]
            d = _popcount(codes[row, 0] ^ q0)
            d += _popcount(codes[row, 1] ^ q1)
            if d > threshold:
                continue
            d += _popcount(codes[row, 2] ^ q2)
            d += _popcount(codes[row, 3] ^ q3)
            if d > threshold:
                continue
            if found == capacity:
                capacity *= 2
                grown = np.empty(capacity, np.int64)
                grown[:found] = rows[:found]
                rows = grown
                grown = np.empty(capacity, np.int64)
                grown[:found] = dists[:found]
                dists = grown
            rows[found] = row
            dists[found] = np.int64(d)
            found += 1
        # Sort this query's matches by row and drop repeats (a row found by several tables).
        order = np.argsort(rows[start:found], kind="mergesort")
        sorted_rows = rows[start:found][order]
        sorted_dists = dists[start:found][order]
        kept = start
        for i in range(sorted_rows.shape[0]):
            if i and sorted_rows[i] == sorted_rows[i - 1]:
                continue
            rows[kept] = sorted_rows[i]
            dists[kept] = sorted_dists[i]
            kept += 1
        found = kept
        lims[q + 1] = found
    return lims, rows[:found].copy(), dists[:found].copy()


AVAILABLE = importlib.util.find_spec("numba") is not None  # found, not imported; tests skip


class _State:
    """Whether the compiled probe can answer (set False for good at its first failure)."""

    available = AVAILABLE
    warm = False
    kernel: Any = None


_KERNEL_LOCK = threading.Lock()


def _kernel() -> Any:
    """The compiled kernel, numba imported and the functions wrapped at the first call.

    Under a lock: two request threads mapping snapshots at once must not wrap `_popcount`
    twice (a second wrap would fail and turn the compiled path off for the process)."""
    if _State.kernel is not None:  # every query after the first: no lock
        return _State.kernel
    with _KERNEL_LOCK:
        if _State.kernel is None:
            import numba  # deferred: see the module docstring

            global _popcount  # noqa: PLW0603 - `_probe` calls it by its global name
            _popcount = numba.njit(inline="always", cache=True)(_popcount)
            _State.kernel = numba.njit(cache=True, nogil=True)(_probe)
        return _State.kernel


def probe(
    *,
    offsets: np.ndarray,
    tables: np.ndarray,
    codes: np.ndarray,
    queries: np.ndarray,
    keys: np.ndarray,
    threshold: int,
    probe_base: np.ndarray,
    probe_table: np.ndarray,
    probe_mask: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Run the compiled kernel (see `_probe`); None if it is unavailable or fails to import or
    compile, and then the caller answers through the pure path (numba compiles at the first
    call)."""
    if not _State.available:
        return None
    n, width = tables.shape[1], tables.shape[2]
    try:
        result: tuple[np.ndarray, np.ndarray, np.ndarray] = _kernel()(
            offsets,
            tables.reshape(-1),
            width,
            n,
            codes.view(np.uint64),
            np.array(queries, np.uint8, order="C").view(np.uint64),  # writable: one signature
            keys,
            threshold,
            probe_base,
            probe_table,
            probe_mask,
        )
    except Exception:  # a broken compiler must never stop matching
        _State.available = False
        log.warning("PDQ index: compiled probe failed, using the pure path", exc_info=True)
        return None
    return result


def warm() -> None:
    """Load (or compile) the machine code now, on tiny read-only arrays typed like a mapped
    snapshot's, so a process pays it when it maps a snapshot and not at its first query."""
    if _State.warm or not _State.available:
        return
    _State.warm = True
    codes = np.zeros((1, 32), np.uint8)
    tables = np.zeros((12, 1, 3), np.uint8)
    queries = np.zeros((1, 32), np.uint8)
    keys = np.zeros((1, 12), np.int64)
    nothing = np.zeros(0, np.int64)
    for kind in (np.uint32, np.uint64):
        offsets = np.zeros(2, kind)
        for array in (codes, tables, offsets):
            array.flags.writeable = False
        probe(
            offsets=offsets,
            tables=tables,
            codes=codes,
            queries=queries,
            keys=keys,
            threshold=0,
            probe_base=nothing,
            probe_table=nothing,
            probe_mask=nothing,
        )
