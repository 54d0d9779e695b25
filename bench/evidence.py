"""Evidence vault throughput (issue #5, item 12).

* Preservation: `evidence_capture` (SHA-256 + MD5, AES-256-GCM with a fresh
  data key, fsync'd write, row + custody + audit) for 1 MB and 50 MB items,
  beside a plain fsync'd copy of the same bytes to the same disk (a new file each
  time, as a capture makes), one of each in turn. Then where a 1 MB capture's time
  goes (its statements, COMMIT, the rest) beside the floor (issue #24).
* Destruction: `purge_expired` over N expired items (crypto-erasure, object
  deletion, certificate, custody, audit per item), items per second.

Runs on PostgreSQL (a fresh database on the bench server).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def plain_copy(directory: Path, content: bytes) -> None:
    """The reference: a new file, written and fsynced (what a capture's object is, unencrypted)."""
    with open(directory / f"copy-{uuid.uuid4().hex}", "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _in_turn(steps: dict[str, Callable[[], None]], rounds: int) -> dict[str, float]:
    """Seconds each step took over `rounds`, one of each in turn, so all see the same load on a
    shared machine (issue #24)."""
    spent = dict.fromkeys(steps, 0.0)
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            spent[name] += time.perf_counter() - start
    return spent


def _object_writes(plain_dir: Path) -> None:
    """Where a 1 MB capture's disk time goes: the object write alone, as captures make it (new
    name, file then directory fsync) and as `put` makes it (temporary file, rename, directory
    fsync: a second journal commit), beside the plain copy. The rest of a capture is the
    database's statements and its COMMIT."""
    from karpear.evidence import storage

    store = storage.backend()
    content = os.urandom(1024 * 1024)
    spent = _in_turn(
        {
            "object as captures write it": lambda: store.put_new(f"ev-{uuid.uuid4().hex}", content),
            "with temporary file + rename": lambda: store.put(f"ev-{uuid.uuid4().hex}", content),
            "plain copy": lambda: plain_copy(plain_dir, content),
        },
        40,
    )
    print(
        "  1 MB writes alone: "
        + ", ".join(f"{name} {40 / seconds:6.1f} MB/s" for name, seconds in spent.items())
    )


def _floor(plain_dir: Path) -> None:
    """The least any durable capture must wait for on this machine (issue #24's evidence row):
    its object written as captures write it (file and directory fsync'd) and one COMMIT of a
    one-row INSERT (the WAL's fsync), one after the other, since the row must not name an object
    that is not on disk. Hashing and encryption are left out (they overlap in threads), so the
    ratio printed is a ceiling: no capture on this disk can reach a better one."""
    from django.db import connection, transaction

    from karpear.evidence import storage

    store = storage.backend()
    content = os.urandom(1024 * 1024)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, v text)")

    def commit() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_floor (v) VALUES (%s)", [uuid.uuid4().hex])

    spent = _in_turn(
        {
            "object": lambda: store.put_new(f"ev-{uuid.uuid4().hex}", content),
            "commit": commit,
            "plain": lambda: plain_copy(plain_dir, content),
        },
        40,
    )
    ms = {name: seconds / 40 * 1000 for name, seconds in spent.items()}
    floor = ms["object"] + ms["commit"]
    print(
        f"  1 MB floor: object {ms['object']:.2f} ms + COMMIT {ms['commit']:.2f} ms = "
        f"{floor:.2f} ms vs plain copy {ms['plain']:.2f} ms; best ratio reachable here "
        f"{ms['plain'] / floor:.2f} (the goal is 0.5)"
    )


def _capture_parts(capture: Callable[[], None], rounds: int = 40) -> None:
    """Where a 1 MB capture's time goes, measured around the real `evidence_capture` (issue
    #24): its statements (each timed; psycopg's BEGIN goes with the first), its COMMIT, and the
    rest (MD5, waiting for the SHA-256 thread or the object's write, Python); medians, with the
    request thread's CPU. Compare with the floor printed next."""
    import statistics

    from django.db import DEFAULT_DB_ALIAS, connections

    from karpear.evidence import capture as capture_module

    db = connections[DEFAULT_DB_ALIAS]
    spent: dict[str, list[float]] = {
        "total": [],
        "statements": [],
        "commit": [],
        "object": [],
        "cpu": [],
    }
    statements: list[float] = []
    commits: list[float] = []
    ends: dict[str, float] = {}
    real_commit, real_write = db.commit, capture_module._write_encrypted

    def timed_write(*args: Any) -> None:
        real_write(*args)
        ends["object"] = time.perf_counter()

    def timed_commit() -> None:
        start = time.perf_counter()
        real_commit()
        commits.append(time.perf_counter() - start)

    def timed_statement(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ends["statement"] = time.perf_counter()
            statements.append(ends["statement"] - start)

    db.commit = timed_commit  # type: ignore[method-assign]
    capture_module._write_encrypted = timed_write  # type: ignore[assignment]
    count = 0
    try:
        with db.execute_wrapper(timed_statement):
            for _ in range(rounds):
                statements.clear()
                commits.clear()
                start, cpu = time.perf_counter(), time.thread_time()
                capture()
                spent["total"].append(time.perf_counter() - start)
                spent["cpu"].append(time.thread_time() - cpu)
                spent["statements"].append(sum(statements))
                spent["commit"].append(sum(commits))
                # The object's fsync is on the capture's path only if it ends after the last
                # statement (COMMIT waits for it).
                spent["object"].append(max(0.0, ends["object"] - ends["statement"]))
                count = len(statements)
    finally:
        del db.commit
        capture_module._write_encrypted = real_write
    ms = {name: statistics.median(values) * 1000 for name, values in spent.items()}
    rest = ms["total"] - ms["statements"] - ms["commit"]
    print(
        f"  1 MB capture, where its time goes (median of {rounds}): {ms['total']:.2f} ms = "
        f"{count} statements {ms['statements']:.2f} ms + COMMIT {ms['commit']:.2f} ms + "
        f"the rest {rest:.2f} ms (MD5 here, the SHA-256 thread, Python; waiting for the object's "
        f"fsync after the last statement {ms['object']:.2f} ms); request thread CPU "
        f"{ms['cpu']:.2f} ms"
    )


def child(purge_items: int) -> None:
    import django

    django.setup()
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from karpear.cases.services import case_open_for_content
    from karpear.evidence.models import EvidenceItem
    from karpear.evidence.services import evidence_capture, purge_expired
    from karpear.orgs.services import organisation_create

    org = organisation_create(name="Bench", slug="bench", is_default=True)
    case = case_open_for_content(
        organisation=org, keys=["content:bench"], category="other", opened_at=timezone.now()
    )
    print("evidence vault: PostgreSQL, local encrypted vault on the same disk as the copy")
    plain_dir = Path(settings.DATA_DIR) / "plain"
    plain_dir.mkdir(exist_ok=True)

    def capture(content: bytes) -> None:
        evidence_capture(
            organisation=org,
            case_id=case.pk,
            content=content,
            content_type="application/octet-stream",
            metadata={},
            source="bench",
            actor="bench",
        )

    def plain(content: bytes) -> None:
        plain_copy(plain_dir, content)

    capture(os.urandom(1024))  # the first capture's one-time work (threads, statements)
    for size_mb, rounds in ((1, 40), (50, 3)):
        content = os.urandom(size_mb * 1024 * 1024)
        spent = _in_turn(
            {"vault": partial(capture, content), "plain": partial(plain, content)}, rounds
        )
        vault = size_mb * rounds / spent["vault"]
        copy = size_mb * rounds / spent["plain"]
        print(
            f"  preserve {size_mb:>2} MB items: {vault:7.1f} MB/s encrypted vs {copy:7.1f} MB/s "
            f"plain copy; ratio {vault / copy:.2f}"
        )
        if size_mb == 1:
            from bench.goals import record

            record("evidence, 1 MB items, vs fsync'd copy", vault / copy, 0.5)
            # Before the 50 MB items, whose writeback slows every fsync for a while after.
            _capture_parts(partial(capture, content))
            _floor(plain_dir)
    _object_writes(plain_dir)
    # Destruction: many small items past retention, set up in bulk (not measured):
    # an encrypted-looking object on disk and a row with a wrapped key each.
    from karpear.evidence import storage

    storage.backend()  # creates the vault directory
    now = timezone.now()
    for offset in range(0, purge_items, 5000):
        rows = []
        for _ in range(min(5000, purge_items - offset)):
            key = f"ev-{uuid.uuid4().hex}"
            Path(settings.DATA_DIR, "vault", key).write_bytes(os.urandom(1024))
            rows.append(
                EvidenceItem(
                    organisation=org,
                    case=case,
                    source="bench",
                    content_type="application/octet-stream",
                    size=1024,
                    sha256="0" * 64,
                    md5="0" * 32,
                    captured_at=now,
                    retention_until=now,
                    backend="local",
                    object_key=key,
                    wrapped_key="bench",
                    kek_id="k1",
                )
            )
        EvidenceItem.objects.bulk_create(rows)
    later = timezone.now() + timedelta(days=400)
    start = time.perf_counter()
    destroyed = 0
    while True:
        batch = purge_expired(now=later).destroyed
        destroyed += len(batch)
        if not batch:
            break
    seconds = time.perf_counter() - start
    left = EvidenceItem.objects.filter(destroyed_at__isnull=True).count()
    print(
        f"  destroy {destroyed:,} expired items: {seconds:6.1f} s, "
        f"{destroyed / seconds:6.0f} items/s ({left} left)"
    )


def main() -> None:
    import psycopg

    from bench.common import pg_url

    purge_items = int(os.environ.get("BENCH_PURGE_ITEMS", "100000"))
    base = pg_url()
    dbname = f"bench_vault_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {dbname}")
    env = {
        **os.environ,
        "DATABASE_URL": base.rsplit("/", 1)[0] + "/" + dbname,
        "KARPEAR_DATA_DIR": tempfile.mkdtemp(prefix="karpear-bench-vault-", dir=ROOT / "var"),
        "DJANGO_SETTINGS_MODULE": "karpear.settings",
    }
    try:
        subprocess.run([ROOT / ".venv/bin/karpear", "migrate", "-v0"], env=env, check=True)
        subprocess.run([sys.executable, __file__, "--child", str(purge_items)], env=env, check=True)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
        subprocess.run(["rm", "-rf", env["KARPEAR_DATA_DIR"]], check=False)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # bench.goals, in the child too
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        main()
