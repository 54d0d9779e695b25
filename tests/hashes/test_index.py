"""The PDQ index on disk (issue #6, items 8 and 9): exactly brute force, incremental, persisted,
shared by processes, safe against a crash mid-write and against a snapshot of another database."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from karpear.hashes import mih, services
from karpear.hashes.index import PdqIndex, forget, index_compact, index_for, to_bytes
from karpear.hashes.models import BankHash
from karpear.orgs.models import Organisation


def _random_hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _flip(hex_value: str, bits: int, rng: random.Random) -> str:
    number = int(hex_value, 16)
    for bit in rng.sample(range(256), bits):
        number ^= 1 << bit
    return f"{number:064x}"


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _stored(rng: random.Random, clustered: bool, n: int = 3000) -> list[str]:
    if not clustered:
        return [_random_hex(rng) for _ in range(n)]
    centres = [_random_hex(rng) for _ in range(20)]
    return [_flip(rng.choice(centres), rng.randint(0, 40), rng) for _ in range(n)]


def _brute(stored: dict[int, str], query: str, threshold: int) -> list[tuple[int, int]]:
    return sorted(
        (pk, _distance(query, h)) for pk, h in stored.items() if _distance(query, h) <= threshold
    )


@pytest.mark.parametrize("clustered", [False, True])
def test_snapshot_plus_delta_returns_exactly_what_brute_force_returns(
    clustered: bool, tmp_path: Path
) -> None:
    rng = random.Random(11 + clustered)
    values = _stored(rng, clustered)
    ids = rng.sample(range(1, 10**9), len(values) + 500)  # ids need not be dense or ordered
    stored = dict(zip(ids, values, strict=False))
    mih.build(to_bytes(values), np.asarray(ids[: len(values)]), tmp_path / "v1", {})
    index = PdqIndex(snapshot=mih.Snapshot.load(tmp_path / "v1"), version="v1")
    extra = _stored(rng, clustered, 500)
    index.add(ids[len(values) :], extra)  # the delta
    stored.update(zip(ids[len(values) :], extra, strict=True))
    gone = ids[:40] + ids[-10:]  # disabled: in the snapshot and in the delta
    index.remove(gone)
    for pk in gone:
        del stored[pk]
    everything = list(stored.values())
    queries = [_flip(rng.choice(everything), rng.randint(1, 35), rng) for _ in range(60)]
    queries += [_random_hex(rng) for _ in range(40)]
    for threshold in (31, 35, 48):  # 48: above what the tables answer; a full scan
        for query in queries:
            assert index.search(query, threshold) == _brute(stored, query, threshold)
    assert index.size == len(stored)


def _bank(org: Organisation, hashes: list[str], name: str = "iwf") -> Any:
    bank = services.bank_create(organisation=org, name=name, source="iwf", agreement="IWF 2026")
    services.hashes_import(
        bank=bank, text="\n".join(f"pdq,{h},S{i}," for i, h in enumerate(hashes))
    )
    return bank


@pytest.mark.django_db
def test_the_index_is_written_to_disk_and_a_restarted_process_maps_it(
    acme: Organisation, settings: Any
) -> None:
    settings.KARPEAR_HASH_INDEX_COMPACT_AT = 100
    rng = random.Random(3)
    values = [_random_hex(rng) for _ in range(250)]
    _bank(acme, values)
    index = index_for(acme.pk)  # 250 new hashes > 100: this process writes a snapshot
    root = Path(settings.KARPEAR_HASH_INDEX_DIR) / str(acme.pk)
    version = (root / "current").read_text()
    assert index.version == version and index.snapshot.size == 250 and index.delta.size == 0
    assert [d for _, d in index.search(values[7], 31)] == [0]

    row = BankHash.objects.get(value=values[7])
    services.hash_disable(bank_hash=row, reason="false positive: a logo")
    newer = _random_hex(rng)
    _bank(acme, [newer], name="hotline")
    index = index_for(acme.pk)  # incremental: one masked, one in the delta, no new snapshot
    assert index.search(values[7], 31) == [] and index.delta.size == 1
    assert (root / "current").read_text() == version

    forget()  # a restart: the snapshot is mapped, not rebuilt, and caught up from the database
    restarted = index_for(acme.pk)
    assert restarted.version == version
    assert restarted.search(values[7], 31) == []
    assert [d for _, d in restarted.search(newer, 31)] == [0]
    assert restarted.size == 250


@pytest.mark.django_db
def test_a_snapshot_of_another_database_is_not_trusted(acme: Organisation) -> None:
    """A backup restored under a newer snapshot: ids no longer mean the same hashes."""
    rng = random.Random(4)
    old = [_random_hex(rng) for _ in range(30)]
    bank = _bank(acme, old)
    index_compact(acme.pk)
    forget()
    BankHash.objects.filter(bank=bank).delete()
    new = [_random_hex(rng) for _ in range(30)]
    services.hashes_import(bank=bank, text="\n".join(f"pdq,{h},N," for h in new))
    index = index_for(acme.pk)
    assert index.search(old[-1], 31) == []
    assert [d for _, d in index.search(new[-1], 31)] == [0]


@pytest.mark.django_db
def test_a_crash_while_writing_a_snapshot_keeps_the_previous_one(
    acme: Organisation, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(5)
    first = [_random_hex(rng) for _ in range(20)]
    _bank(acme, first)
    index_compact(acme.pk)
    root = Path(settings.KARPEAR_HASH_INDEX_DIR) / str(acme.pk)
    version = (root / "current").read_text()
    _bank(acme, [_random_hex(rng) for _ in range(20)], name="hotline")

    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", disk_full)
    with pytest.raises(OSError, match="No space"):
        index_compact(acme.pk)
    monkeypatch.undo()
    assert (root / "current").read_text() == version
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == [version]
    forget()
    index = index_for(acme.pk)
    assert [d for _, d in index.search(first[0], 31)] == [0] and index.size == 40


def test_processes_map_one_snapshot_instead_of_copying_it(tmp_path: Path) -> None:
    """Item 9: a second process answers from the files through the page cache; its private
    memory grows by far less than the snapshot it searches."""
    import json
    import subprocess
    import sys

    rng = np.random.default_rng(9)
    codes = rng.integers(0, 256, (400_000, 32), dtype=np.uint8)
    mih.build(codes, np.arange(1, len(codes) + 1), tmp_path / "v1", {})
    probe = """
import json, sys
import numpy as np
from pathlib import Path
from karpear.hashes.mih import Snapshot
from karpear.hashes.probe import warm

warm()  # the compiled probe's machine code (issue #24) is a fixed cost, not a copy of the index

def private_mb():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024

before = private_mb()
snapshot = Snapshot.load(Path(sys.argv[1]))
rng = np.random.default_rng(1)
hits = 0
for row in rng.integers(0, snapshot.size, 300):
    hits += len(snapshot.search(np.asarray(snapshot.codes[row]), 31)[0])
snapshot.search(np.asarray(snapshot.codes[0]), 48)  # a full scan touches every code
print(json.dumps({"grew": private_mb() - before, "hits": hits}))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "v1")],
        capture_output=True,
        text=True,
        check=True,
    )
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    copied_mb = sum((tmp_path / "v1" / f).stat().st_size for f in ("codes.npy", "tables.npy"))
    assert measured["hits"] >= 300  # each stored hash finds itself
    assert measured["grew"] < 0.3 * copied_mb / 2**20, measured  # what a private copy would cost


@pytest.mark.django_db
def test_organisations_never_see_each_others_hashes_through_the_index(
    acme: Organisation, bayon: Organisation
) -> None:
    """Each organisation has its own snapshot and delta: Acme's written index, and a hash only
    Acme holds, match nothing for Bayon; the same hash in Bayon's own bank matches Bayon's row."""
    rng = random.Random(12)
    shared = _random_hex(rng)
    _bank(acme, [shared, *(_random_hex(rng) for _ in range(30))])
    index_compact(acme.pk)
    assert services.find(bayon, [("pdq", shared)]) == []
    assert [f.bank_hash.bank.organisation for f in services.find(acme, [("pdq", shared)])] == [acme]
    _bank(bayon, [shared])
    found = services.find(bayon, [("pdq", shared)])
    assert [(f.bank_hash.bank.organisation, f.distance) for f in found] == [(bayon, 0)]
