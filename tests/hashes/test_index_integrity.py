"""A damaged PDQ index snapshot is never searched (issue #15, item 8).

Every snapshot carries a manifest (size and SHA-256 of each file) checked before it is mapped.
A truncated file, a flipped byte, a missing file or manifest: the error is logged, the snapshot
rebuilt from the database, and every search still returns exactly what brute force returns.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from karpear.hashes import mih, services
from karpear.hashes.index import forget, index_compact, index_for
from karpear.hashes.models import BankHash, HashType
from karpear.orgs.models import Organisation


def _random_hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _near(hex_value: str, bits: int, rng: random.Random) -> str:
    number = int(hex_value, 16)
    for bit in rng.sample(range(256), bits):
        number ^= 1 << bit
    return f"{number:064x}"


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _brute(org: Organisation, query: str, threshold: int) -> list[tuple[int, int]]:
    stored = BankHash.objects.filter(
        bank__organisation=org, kind=HashType.PDQ, disabled_at=None
    ).values_list("pk", "value")
    return sorted((pk, _distance(query, v)) for pk, v in stored if _distance(query, v) <= threshold)


def _truncate(name: str) -> Callable[[Path], None]:
    def damage(snapshot: Path) -> None:
        data = (snapshot / name).read_bytes()
        (snapshot / name).write_bytes(data[: len(data) - 64])

    return damage


def _flip_last_byte(name: str) -> Callable[[Path], None]:
    def damage(snapshot: Path) -> None:
        data = bytearray((snapshot / name).read_bytes())
        data[-1] ^= 0x01  # the last row: the highest id's hash, or its table entries
        (snapshot / name).write_bytes(bytes(data))

    return damage


def _zero_tables(snapshot: Path) -> None:
    """Same size, right header, rows all zero: an unchecked index would miss almost everything."""
    tables = np.load(snapshot / "tables.npy")
    with open(snapshot / "tables.npy", "wb") as out:
        np.save(out, np.zeros_like(tables))


def _remove(name: str) -> Callable[[Path], None]:
    def damage(snapshot: Path) -> None:
        (snapshot / name).unlink()

    return damage


def _manifest_of_another_snapshot(snapshot: Path) -> None:
    manifest = json.loads((snapshot / MANIFEST).read_text())
    manifest["files"]["codes.npy"]["sha256"] = "0" * 64
    (snapshot / MANIFEST).write_text(json.dumps(manifest))


MANIFEST = "manifest.json"  # mih.MANIFEST

DAMAGE: dict[str, Callable[[Path], None]] = {
    "codes truncated": _truncate("codes.npy"),
    "a code flipped": _flip_last_byte("codes.npy"),
    "a table row flipped": _flip_last_byte("tables.npy"),
    "an offset flipped": _flip_last_byte("offsets.npy"),
    "tables zeroed": _zero_tables,
    "manifest removed": _remove(MANIFEST),
    "manifest wrong": _manifest_of_another_snapshot,
    "codes removed": _remove("codes.npy"),
}


@pytest.fixture
def stored(acme: Organisation, settings: Any) -> list[str]:
    """A written snapshot of 400 hashes (the last ones the highest ids), mapped by nobody yet."""
    settings.KARPEAR_HASH_INDEX_COMPACT_AT = 10_000
    rng = random.Random(15)
    values = [_random_hex(rng) for _ in range(400)]
    bank = services.bank_create(organisation=acme, name="iwf", source="iwf", agreement="IWF 2026")
    services.hashes_import(
        bank=bank, text="\n".join(f"pdq,{h},S{i}," for i, h in enumerate(values))
    )
    index_compact(acme.pk)
    forget()  # a fresh process
    return values


def _snapshot(settings: Any, org: Organisation) -> Path:
    root = Path(settings.KARPEAR_HASH_INDEX_DIR) / str(org.pk)
    return root / (root / "current").read_text()


def _queries(values: list[str]) -> list[str]:
    rng = random.Random(16)
    return [values[-1], values[0], _near(values[-1], 9, rng), _near(values[200], 30, rng)] + [
        _near(rng.choice(values), rng.randint(1, 35), rng) for _ in range(30)
    ]


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "karpear.hashes" and r.levelno >= logging.ERROR
    ]


@pytest.mark.parametrize("what", list(DAMAGE))
def test_a_damaged_snapshot_is_refused_rebuilt_and_matches_stay_exact(
    what: str,
    acme: Organisation,
    stored: list[str],
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    damaged = _snapshot(settings, acme)
    DAMAGE[what](damaged)
    index = index_for(acme.pk)
    for query in _queries(stored):
        for threshold in (31, 48):
            assert index.search(query, threshold) == _brute(acme, query, threshold), what
    assert any("refused" in m for m in _errors(caplog)), what
    rebuilt = _snapshot(settings, acme)
    assert rebuilt != damaged and not damaged.exists()  # a sound one replaced it
    mih.verify(rebuilt)
    assert index.version == rebuilt.name and index.snapshot.size == len(stored)
    caplog.clear()
    forget()  # the next process maps the rebuilt snapshot without complaint
    assert index_for(acme.pk).search(stored[-1], 0) == _brute(acme, stored[-1], 0)
    assert _errors(caplog) == []


def test_the_matching_service_finds_what_a_damaged_snapshot_would_lose(
    acme: Organisation, stored: list[str], settings: Any
) -> None:
    _zero_tables(_snapshot(settings, acme))
    found = services.find(acme, [(HashType.PDQ, stored[123])])
    assert [f.bank_hash.value for f in found] == [stored[123]]


def test_a_running_process_refuses_a_damaged_snapshot_written_by_another(
    acme: Organisation, stored: list[str], settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    assert index_for(acme.pk).search(stored[5], 0) == _brute(acme, stored[5], 0)
    index_compact(acme.pk)  # "another process" writes a newer snapshot...
    _flip_last_byte("codes.npy")(_snapshot(settings, acme))  # ...that is damaged on disk
    assert index_for(acme.pk).search(stored[-1], 31) == _brute(acme, stored[-1], 31)
    assert _errors(caplog)


def test_when_no_snapshot_can_be_written_the_database_answers(
    acme: Organisation,
    stored: list[str],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    damaged = _snapshot(settings, acme)
    _zero_tables(damaged)

    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", disk_full)
    index = index_for(acme.pk)
    for query in _queries(stored):
        assert index.search(query, 31) == _brute(acme, query, 31)
    assert any("cannot be written" in m for m in _errors(caplog))
    assert index.snapshot.size == 0 and index.delta.size == len(stored)
    caplog.clear()
    index_for(acme.pk)  # the bad snapshot is checked once per process, not on every search
    assert _errors(caplog) == []


def test_an_organisation_s_rebuild_reads_only_its_own_hashes(
    acme: Organisation, bayon: Organisation, stored: list[str], settings: Any
) -> None:
    theirs = services.bank_create(organisation=bayon, name="b", source="iwf", agreement="IWF")
    other = f"{random.Random(17).getrandbits(256):064x}"
    services.hashes_import(bank=theirs, text=f"pdq,{other},B1,")
    _remove(MANIFEST)(_snapshot(settings, acme))
    assert index_for(acme.pk).search(other, 0) == []
    assert index_for(acme.pk).snapshot.size == len(stored)
    assert [d for _, d in index_for(bayon.pk).search(other, 0)] == [0]


def test_a_written_snapshot_carries_a_manifest_of_every_file(tmp_path: Path) -> None:
    codes = np.frombuffer(bytes(range(64)), dtype=np.uint8).reshape(2, 32)
    mih.build(codes, np.asarray([7, 3]), tmp_path / "v1", {"built_at": "x"})
    manifest = json.loads((tmp_path / "v1" / MANIFEST).read_text())
    assert sorted(manifest["files"]) == sorted(mih.FILES)
    for name, entry in manifest["files"].items():
        data = (tmp_path / "v1" / name).read_bytes()
        assert entry["size"] == len(data)
    mih.verify(tmp_path / "v1")
    assert list(mih.Snapshot.load(tmp_path / "v1").ids) == [3, 7]
