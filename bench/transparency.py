"""The transparency report over 100k and 1M cases, in PostgreSQL and in SQLite (issue #9, item 8).

Each database gets two organisations: one with 100,000 cases, one with 1,000,000, each case with
its report and one decision, spread over a year. The full report (every count, every median and
90th percentile by channel and category) is computed for each; the reference is the data itself:
time should grow no faster than the data, so the 1M / 100k time ratio should stay at or below 10.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CATEGORY = (
    "CASE x % 5 WHEN 0 THEN 'sexual_image' WHEN 1 THEN 'grooming' WHEN 2 THEN 'sextortion' "
    "WHEN 3 THEN 'live_stream' ELSE 'other' END"
)
CHANNEL = "CASE x % 3 WHEN 0 THEN 'in_app' ELSE 'web' END"
KIND = (
    "CASE x % 4 WHEN 0 THEN 'content_isolate' WHEN 1 THEN 'content_remove' "
    "WHEN 2 THEN 'account_warning' ELSE 'account_ban' END"
)


def _sql(vendor: str, n: int, base: int, org: int) -> list[str]:
    if vendor == "postgresql":
        series = f"generate_series(1, {n}) AS g(x)"
        head = ""

        def ts(seconds: str) -> str:
            return f"(timestamptz '2025-01-01 00:00:00+07' + ({seconds}) * interval '1 second')"

        select_from = f"FROM {series}"
    else:
        head = f"WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {n}) "

        def ts(seconds: str) -> str:
            return f"datetime('2024-12-31 17:00:00', '+' || ({seconds}) || ' seconds')"

        select_from = "FROM g"
    spread = f"(x * {31_000_000 // n})"  # about a year, whatever n
    received = ts(spread)
    return [
        f"INSERT INTO reports_report (id, organisation_id, reference, channel, category, "
        "seen_approximate, description, contact_encrypted, language, platform_content_id, "
        "submission_key, received_at, status) "
        f"{head}SELECT {base} + x, {org}, 'B{org}-' || x, {CHANNEL}, {CATEGORY}, false, '', '', "
        f"'km', '', '', {received}, 'received' {select_from}",
        f"INSERT INTO cases_case (id, organisation_id, category, state, source, group_key, "
        "opened_at, review_due_at, action_due_at, next_due_at, first_action_at, closed_at, "
        "priority, report_count, version) "
        f"{head}SELECT {base} + x, {org}, {CATEGORY}, 'closed', 'report', 'k' || x, {received}, "
        f"{received}, {received}, {received}, {ts(spread + ' + (x % 97) * 60')}, "
        f"CASE WHEN x % 3 = 0 THEN NULL ELSE {ts(spread + ' + (x % 89) * 3600')} END, "
        f"0, 1, 0 {select_from}",
        f"INSERT INTO cases_casereport (case_id, report_id, channel, joined_at) "
        f"{head}SELECT {base} + x, {base} + x, {CHANNEL}, {received} {select_from}",
        f"INSERT INTO cases_decision (case_id, organisation_id, kind, ground, clause, "
        "account_id, content_ref, decided_at) "
        f"{head}SELECT {base} + x, {org}, {KIND}, CASE x % 2 WHEN 0 THEN 'law' ELSE 'terms' END, "
        f"'bench', '', '', {ts(spread + ' + (x % 97) * 60')} {select_from}",
    ]


def child(sizes: list[int]) -> None:
    import django

    django.setup()
    from django.db import connection

    from karpear.orgs.services import organisation_create
    from karpear.transparency.figures import compute

    vendor = connection.vendor
    results: dict[int, float] = {}
    for i, size in enumerate(sizes):
        org = organisation_create(name=f"Bench {size}", slug=f"bench{size}")
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            for statement in _sql(vendor, size, (i + 1) * 10_000_000, org.pk):
                cursor.execute(statement)
            cursor.execute("ANALYZE")
        load = time.perf_counter() - t0
        compute(org, date(2025, 1, 1), date(2025, 12, 31))  # warm the caches once
        runs = []
        for _ in range(2):
            t0 = time.perf_counter()
            figures = compute(org, date(2025, 1, 1), date(2025, 12, 31))
            runs.append(time.perf_counter() - t0)
        assert figures["reports"]["total"] == size, figures["reports"]["total"]
        best = min(runs)
        results[size] = best
        timing = figures["response_times"]["all"]["all"]["first_action"]
        print(
            f"  {vendor:<10} {size:>9,} cases (loaded in {load:5.1f}s): full report "
            f"{best:6.2f} s (best of 2); median first action {timing['p50']} h, n={timing['n']:,}"
        )
    small, large = sizes[0], sizes[-1]
    ratio = results[large] / results[small]
    print(
        f"  {vendor:<10} growth {large // small}x data -> {ratio:.1f}x time "
        f"(reference: {large // small}x, no faster than the data)"
    )


def main() -> None:
    import psycopg

    from bench.common import pg_url

    sizes = [
        int(s) for s in os.environ.get("BENCH_TRANSPARENCY_SIZES", "100000,1000000").split(",")
    ]
    print(
        f"transparency: the full annual report over {' and '.join(f'{s:,}' for s in sizes)} cases"
    )
    base = pg_url()
    dbname = f"bench_tr_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {dbname}")
    sqlite_dir = tempfile.mkdtemp(prefix="karpear-bench-")
    targets = [
        base.rsplit("/", 1)[0] + "/" + dbname,
        f"sqlite:///{sqlite_dir}/bench.sqlite3",
    ]
    try:
        for url in targets:
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "KARPEAR_DATA_DIR": tempfile.mkdtemp(prefix="karpear-bench-"),
                "DJANGO_SETTINGS_MODULE": "karpear.settings",
            }
            subprocess.run([ROOT / ".venv/bin/karpear", "migrate", "-v0"], env=env, check=True)
            subprocess.run(
                [sys.executable, __file__, "--child", ",".join(map(str, sizes))],
                env=env,
                check=True,
            )
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child([int(s) for s in sys.argv[2].split(",")])
    else:
        sys.path.insert(0, str(ROOT))
        main()
