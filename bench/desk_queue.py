"""Desk queue latency with 10k and with 1M cases in PostgreSQL (issue #3, item 15).

Two organisations in one fresh database: one with 10,000 open cases, one with
1,000,000. The same signed-in analyst page (`/en/desk/queue/`, first page,
a filtered page and the next page by keyset) is timed for each through the
whole Django stack; the ratio of the two p50s should stay near 1.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def child(sizes: list[int], rounds: int) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from karpear.orgs.services import organisation_create
    from karpear.staff.models import Role
    from karpear.staff.services import staff_create

    print(f"queue: signed-in analyst page, {rounds} requests per size, PostgreSQL")
    results = {}
    for size in sizes:
        org = organisation_create(name=f"Org {size}", slug=f"org{size}")
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO cases_case (organisation_id, category, state, source, group_key,
                    opened_at, review_due_at, action_due_at, next_due_at, priority,
                    report_count, version)
                SELECT %s, (ARRAY['sexual_image','grooming','other'])[1 + g %% 3],
                       (ARRAY['received','in_review','isolated','closed'])[1 + g %% 4],
                       'report', 'url:' || md5(%s || g::text),
                       now() - (g || ' seconds')::interval,
                       now() + ((g %% 5000) || ' minutes')::interval,
                       now() + ((g %% 9000) || ' minutes')::interval,
                       now() + ((g %% 5000) || ' minutes')::interval, 0, 1, 0
                FROM generate_series(1, %s) AS g""",
                [org.pk, str(size), size],
            )
            cursor.execute("ANALYZE cases_case")
        load_s = time.perf_counter() - start
        member = staff_create(
            organisation=org,
            username=f"analyst{size}",
            password="bench-password-123",
            role=Role.ANALYST,
        )
        device = TOTPDevice.objects.create(user=member.user, name="b", confirmed=True)
        client = Client()
        form = "application/x-www-form-urlencoded"  # as a browser posts; multipart is refused
        client.post(
            "/en/desk/login/",
            f"username=analyst{size}&password=bench-password-123",
            content_type=form,
        )
        client.post("/en/desk/code/", f"code={totp(device.bin_key):06d}", content_type=form)
        first = client.get("/en/desk/queue/")
        assert first.status_code == 200, first.status_code
        timings: dict[str, list[float]] = {"first page": [], "filtered": [], "next page": []}
        body = first.content.decode()
        cursor_param = (
            body.split("after=")[1].split('"')[0].replace("&amp;", "&") if "after=" in body else ""
        )
        urls = {
            "first page": "/en/desk/queue/",
            "filtered": "/en/desk/queue/?state=in_review&category=grooming",
            "next page": f"/en/desk/queue/?after={cursor_param}",
        }
        for _ in range(rounds):
            for name, url in urls.items():
                t0 = time.perf_counter()
                response = client.get(url)
                timings[name].append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
        results[size] = timings
        print(f"  {size:>9,} cases (inserted in {load_s:5.1f}s):")
        for name, values in timings.items():
            print(
                f"      {name:<11} p50 {statistics.median(values):6.1f} ms"
                f"   p99 {_percentile(values, 0.99):6.1f} ms"
            )
    small, large = sizes[0], sizes[-1]
    for name in results[small]:
        ratio = statistics.median(results[large][name]) / statistics.median(results[small][name])
        print(f"  ratio p50 {large:,} / {small:,} cases, {name}: {ratio:.2f}")


def main() -> None:
    import psycopg

    from bench.common import pg_url

    sizes = [int(s) for s in os.environ.get("BENCH_QUEUE_SIZES", "10000,1000000").split(",")]
    rounds = int(os.environ.get("BENCH_QUEUE_ROUNDS", "100"))
    base = pg_url()
    dbname = f"bench_queue_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {dbname}")
    env = {
        **os.environ,
        "DATABASE_URL": base.rsplit("/", 1)[0] + "/" + dbname,
        "KARPEAR_DATA_DIR": tempfile.mkdtemp(prefix="karpear-bench-"),
        "KARPEAR_RATELIMIT_ENABLED": "0",
        "DJANGO_SETTINGS_MODULE": "karpear.settings",
    }
    try:
        subprocess.run([ROOT / ".venv/bin/karpear", "migrate", "-v0"], env=env, check=True)
        subprocess.run(
            [sys.executable, __file__, "--child", ",".join(map(str, sizes)), str(rounds)],
            env=env,
            check=True,
        )
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child([int(s) for s in sys.argv[2].split(",")], int(sys.argv[3]))
    else:
        sys.path.insert(0, str(ROOT))
        main()
