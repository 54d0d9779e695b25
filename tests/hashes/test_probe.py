"""The compiled PDQ probe answers exactly what the pure path answers (issue #24, PDQ index row).

A match the compiled path missed would turn a known image into "no match", so both paths run
on the same random snapshots, with queries at every distance around the thresholds (a hash at
exactly the threshold is in, one bit further is out), repeats in one batch, and the wider
layout of snapshots over 16M hashes (4-byte row numbers, 64-bit offsets) rebuilt from a small one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from karpear.hashes import mih, probe

pytestmark = pytest.mark.skipif(not probe.AVAILABLE, reason="numba is not installed")


def _flip(row: np.ndarray, bits: np.ndarray) -> np.ndarray:
    out = row.copy()
    for bit in bits:
        out[bit // 8] ^= np.uint8(1 << (bit % 8))
    return out


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[mih.Snapshot, np.ndarray]:
    rng = np.random.default_rng(24)
    codes = rng.integers(0, 256, (20_000, 32), dtype=np.uint8)
    codes[100:150] = codes[100]  # duplicates: one hash stored under several ids
    directory: Path = tmp_path_factory.mktemp("probe") / "snapshot"
    mih.build(codes, np.arange(len(codes), dtype=np.int64) * 7 + 3, directory, {})
    return mih.Snapshot.load(directory), codes


def _queries(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Stored hashes with 0-40 bits flipped, random hashes, and one query twice."""
    near = [
        _flip(codes[rng.integers(0, len(codes))], rng.choice(256, k, replace=False))
        for k in range(41)
        for _ in range(3)
    ]
    others = list(rng.integers(0, 256, (20, 32), dtype=np.uint8))
    return np.stack([*near, codes[100], codes[100], *others])


def _same(a: list[tuple[np.ndarray, np.ndarray]], b: list[tuple[np.ndarray, np.ndarray]]) -> None:
    assert len(a) == len(b)
    for (rows_a, dist_a), (rows_b, dist_b) in zip(a, b, strict=True):
        assert rows_a.tolist() == rows_b.tolist()
        assert dist_a.tolist() == dist_b.tolist()


@pytest.mark.parametrize("threshold", [0, 1, 2, 15, 30, 31, 32, 35])
def test_compiled_equals_pure_at_every_threshold(
    snapshot: tuple[mih.Snapshot, np.ndarray], threshold: int
) -> None:
    index, codes = snapshot
    queries = _queries(codes, np.random.default_rng(threshold))
    compiled = index.search_many(queries, threshold)
    _same(compiled, index.search_many(queries, threshold, compiled=False))
    # The batch answer equals one query at a time, and an exact duplicate finds all 50 copies.
    _same(compiled[:5], [index.search(q, threshold) for q in queries[:5]])
    assert len(compiled[123][0]) == 50


def test_distance_edge_is_inclusive(snapshot: tuple[mih.Snapshot, np.ndarray]) -> None:
    """A hash exactly `threshold` bits away is a match; one bit more is not."""
    index, codes = snapshot
    rng = np.random.default_rng(5)
    bits = rng.choice(256, 32, replace=False)
    at_edge = _flip(codes[7], bits[:31])
    beyond = _flip(codes[7], bits)
    (rows, distances), (far_rows, _) = index.search_many(np.stack([at_edge, beyond]), 31)
    assert 7 in rows.tolist()
    assert distances[rows.tolist().index(7)] == 31
    assert 7 not in far_rows.tolist()


def test_four_byte_rows_and_wide_offsets_match_pure(
    snapshot: tuple[mih.Snapshot, np.ndarray],
) -> None:
    """The layouts used from 16M hashes on (4-byte row numbers, 64-bit offsets) decode alike."""
    index, codes = snapshot
    wide = mih.Snapshot(
        codes=index.codes,
        ids=index.ids,
        tables=np.concatenate(
            [np.asarray(index.tables), np.zeros((*index.tables.shape[:2], 1), np.uint8)], axis=2
        ),
        offsets=np.asarray(index.offsets).astype(np.uint64),
        meta={},
    )
    queries = _queries(codes, np.random.default_rng(99))
    _same(wide.search_many(queries, 31), index.search_many(queries, 31, compiled=False))


def test_empty_batch_and_empty_snapshot() -> None:
    nothing = np.zeros((0, 32), np.uint8)
    one = np.zeros((1, 32), np.uint8)
    assert mih.Snapshot.empty().search_many(one, 31)[0][0].tolist() == []
    assert mih.Snapshot.empty().search_many(nothing, 31) == []


def test_pure_fallback_when_the_compiled_probe_is_unavailable(
    snapshot: tuple[mih.Snapshot, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    index, codes = snapshot
    queries = _queries(codes, np.random.default_rng(3))
    expected = index.search_many(queries, 31)
    monkeypatch.setattr(probe._State, "available", False)
    assert (
        probe.probe(
            offsets=index.offsets,
            tables=index.tables,
            codes=index.codes,
            queries=queries,
            keys=np.zeros((len(queries), mih.TABLES), np.int64),
            threshold=31,
            probe_base=np.zeros(0, np.int64),
            probe_table=np.zeros(0, np.int64),
            probe_mask=np.zeros(0, np.int64),
        )
        is None
    )
    _same(index.search_many(queries, 31), expected)


def test_the_worker_keeps_every_current_snapshot_warm(
    snapshot: tuple[mih.Snapshot, np.ndarray], tmp_path: Path, settings: Any
) -> None:
    """The registered job reads every page of each organisation's current snapshot, and a
    pointer to a snapshot replaced meanwhile is skipped, not an error that stops the worker."""
    import mmap
    import shutil

    from karpear.core.jobs import job
    from karpear.hashes import warm

    mapped = snapshot[0].codes
    assert isinstance(mapped, np.memmap)
    source = Path(str(mapped.filename)).parent
    settings.KARPEAR_HASH_INDEX_DIR = tmp_path
    shutil.copytree(source, tmp_path / "1" / "v1")
    (tmp_path / "1" / "current").write_text("v1\n")
    (tmp_path / "2").mkdir()
    (tmp_path / "2" / "current").write_text("gone\n")
    pages = sum(-(-(source / f"{n}.npy").stat().st_size // mmap.PAGESIZE) for n in mih.ARRAYS)

    assert job("hash_index_keep_warm").run is warm.keep_warm
    assert job("hash_index_keep_warm").every() == settings.KARPEAR_HASH_INDEX_TOUCH_EVERY
    assert warm.keep_warm() == 1
    assert warm.touch(tmp_path / "1" / "v1") == pages


def test_the_delta_scan_runs_on_one_thread() -> None:
    """OpenMP threads spinning on a busy host made 1 query in 50 take 50-150 ms (issue #24):
    the small in-memory delta is scanned by the calling thread alone."""
    import faiss

    from karpear.hashes.index import FlatIndex

    faiss.omp_set_num_threads(4)
    delta = FlatIndex()
    delta.add([1], ["00" * 32])
    assert faiss.omp_get_max_threads() == 1
    assert delta.search("00" * 32, 0) == [(1, 0)]


def test_a_query_with_more_candidates_than_the_kernel_s_first_buffer(tmp_path: Path) -> None:
    """A tight cluster (issue #24): one query walks ~12 x 3,000 bucket entries, past the
    compiled probe's first candidate buffer (16,384), and still equals the pure path."""
    rng = np.random.default_rng(7)
    centre = rng.integers(0, 256, 32, dtype=np.uint8)
    codes = np.repeat(centre[None, :], 3_000, axis=0)
    for row in codes[::2]:  # half differ in one bit outside the first word
        row[8 + int(rng.integers(0, 24))] ^= np.uint8(1 << int(rng.integers(0, 8)))
    mih.build(codes, np.arange(len(codes), dtype=np.int64), tmp_path / "cluster", {})
    index = mih.Snapshot.load(tmp_path / "cluster")
    queries = np.stack([centre, rng.integers(0, 256, 32, dtype=np.uint8), centre])
    compiled = index.search_many(queries, 31)
    _same(compiled, index.search_many(queries, 31, compiled=False))
    assert len(compiled[0][0]) == 3_000 and len(compiled[2][0]) == 3_000
    assert len(compiled[1][0]) == 0


def _resident_kb(path: Path) -> int:
    """This process's resident pages of one mapped file (/proc/self/smaps), in kB."""
    total, inside = 0, False
    with open("/proc/self/smaps", encoding="ascii", errors="replace") as smaps:
        for line in smaps:
            first = line.split(" ", 1)[0]
            if "-" in first and ":" not in first:  # a mapping's header line
                inside = line.rstrip().endswith(str(path))
            elif inside and line.startswith("Rss:"):
                total += int(line.split()[1])
    return total


def test_a_process_maps_its_evicted_snapshot_again_without_waiting_for_a_query(
    snapshot: tuple[mih.Snapshot, np.ndarray],
) -> None:
    """After the kernel dropped a snapshot's pages from this process (as on an idle night),
    `remap` maps them again (issue #24: otherwise the next query takes thousands of faults),
    and mapping one starts the process's remap thread once."""
    import threading

    from karpear.hashes import index

    snap, codes = snapshot
    assert isinstance(snap.codes, np.memmap)
    path = Path(str(snap.codes.filename)).resolve()
    full = _resident_kb(path)
    assert full >= len(codes) * 32 // 1024
    snap.codes._mmap.madvise(21)  # type: ignore[attr-defined]  # MADV_PAGEOUT
    assert _resident_kb(path) < full
    snap.remap()
    assert _resident_kb(path) == full
    assert snap.search(codes[7], 0)[0].tolist() == [7]  # row 7 of the fixture's snapshot

    index._adopt(index._Cached(index.PdqIndex()), index._Cached(index.PdqIndex(snapshot=snap)))
    index._adopt(index._Cached(index.PdqIndex()), index._Cached(index.PdqIndex(snapshot=snap)))
    names = [t.name for t in threading.enumerate()]
    assert names.count("karpear-hash-index-remap") == 1
