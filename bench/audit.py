"""Audit chain: appends per second, `audit verify` speed and a checkpoint (issue #15, item 9).

A fresh PostgreSQL database; N entries appended one by one through `audit_record` (each its own
transaction, as a desk request would), then the whole chain verified with the audit key and
held against a signed checkpoint.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = int(os.environ.get("BENCH_AUDIT_ENTRIES", "5000"))


def child(entries: int) -> None:
    import django

    django.setup()
    from karpear.audit.chain import plain_hash, seal
    from karpear.audit.checkpoints import checkpoint_write
    from karpear.audit.keys import current_key
    from karpear.audit.models import AuditEntry
    from karpear.audit.services import audit_record, audit_verify
    from karpear.orgs.services import organisation_create

    org = organisation_create(name="Bench", slug="bench")
    start = time.perf_counter()
    for i in range(entries):
        audit_record(
            action="case_view",
            organisation=org,
            actor_label="analyst",
            object_type="case",
            object_id=i,
            detail={"page": "case", "n": i},
        )
    append_s = time.perf_counter() - start
    start = time.perf_counter()
    checkpoint_write()
    checkpoint_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    result = audit_verify()
    verify_s = time.perf_counter() - start
    assert result.ok and result.checkpoints == 1, result
    sample = AuditEntry.objects.order_by("id").first()
    assert sample is not None
    rounds = 20000
    start = time.perf_counter()
    for _ in range(rounds):
        plain_hash(sample)
    plain_us = (time.perf_counter() - start) / rounds * 1e6
    key = current_key()
    start = time.perf_counter()
    for _ in range(rounds):
        seal(sample, key)
    seal_us = (time.perf_counter() - start) / rounds * 1e6
    print(f"audit: {entries} keyed entries on PostgreSQL")
    print(f"  append  {entries / append_s:8.0f} entries/s  (one transaction each)")
    print(f"  verify  {entries / verify_s:8.0f} entries/s  ({verify_s:.1f} s, with checkpoints)")
    print(f"  checkpoint written in {checkpoint_ms:.1f} ms")
    print(f"  sealing one entry: HMAC {seal_us:.1f} us, plain SHA-256 was {plain_us:.1f} us")


def main() -> None:
    import psycopg

    from bench.common import pg_url

    base = pg_url()
    dbname = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {dbname}")
    env = {
        **os.environ,
        "KARPEAR_DATA_DIR": tempfile.mkdtemp(prefix="karpear-bench-"),
        "DATABASE_URL": base.rsplit("/", 1)[0] + "/" + dbname,
        "DJANGO_SETTINGS_MODULE": "karpear.settings",
        "PYTHONPATH": str(ROOT / "src"),
    }
    try:
        subprocess.run([ROOT / ".venv" / "bin" / "karpear", "migrate", "-v0"], env=env, check=True)
        subprocess.run(
            [sys.executable, __file__, "--child", str(ENTRIES)], env=env, check=True, cwd=ROOT
        )
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {dbname}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(int(sys.argv[2]))
    else:
        sys.path.insert(0, str(ROOT))
        main()
