"""A `/metrics` scrape: time and queries as the open-case table grows (issue #23, item 1).

Reference, measured in the same run on the same database: `/healthz` (one read, one rolled-back
write). The scrape's query count must not grow with the data (collector.QUERY_BUDGET); its time
grows with the aggregates the database computes. SQLite in a temporary directory, in a process
of its own (Django's settings are per process).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1_000, 20_000)
ROUNDS = 20


def _inner() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    from karpear.cases.models import Case
    from karpear.links.canonical import canonical_string
    from karpear.orgs.services import organisation_create
    from karpear.reports.models import Channel
    from karpear.reports.rules import LinkData, ReportData
    from karpear.reports.services import report_submit

    org = organisation_create(name="Bench", slug="bench", is_default=True)
    url = "https://social.example/p/0"
    report_submit(
        organisation=org,
        channel=Channel.WEB,
        data=ReportData(
            items=[LinkData(url=url, normalised_url=canonical_string(url))],
            category="grooming",
            seen_on=None,
            seen_at_time=None,
            seen_approximate=False,
            description="",
            reporter_is_child=None,
            contact=None,
        ),
    )
    template = Case.objects.get()
    fields = [f.attname for f in Case._meta.concrete_fields if f.attname != "id"]
    settings.KARPEAR_METRICS_TOKEN = token = "bench-" + "k" * 40
    client = Client()
    have = 1
    for size in SIZES:
        Case.objects.bulk_create(
            Case(**{**{f: getattr(template, f) for f in fields}, "group_key": f"bench-{i}"})
            for i in range(have, size)
        )
        have = size

        def timed(path: str, **headers: Any) -> tuple[float, int]:
            times = []
            for _ in range(ROUNDS):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    assert client.get(path, **headers).status_code == 200
                    times.append(time.perf_counter() - started)
            return statistics.median(times) * 1000, len(queries)

        scrape, scrape_queries = timed("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
        health, health_queries = timed("/healthz")
        print(
            f"/metrics with {size:>6} open cases: median {scrape:6.1f} ms, {scrape_queries} "
            f"queries; /healthz (reference) {health:5.1f} ms, {health_queries} queries",
            flush=True,
        )


def main() -> None:
    print("== /metrics scrape (issue #23) ==", flush=True)
    work = Path(tempfile.mkdtemp(prefix="karpear-bench-metrics-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        KARPEAR_DATA_DIR=str(work),
        DJANGO_SETTINGS_MODULE="karpear.settings",
        PYTHONPATH=str(ROOT / "src"),
    )
    try:
        subprocess.run([sys.executable, __file__, "--inner"], env=env, check=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if "--inner" in sys.argv:
        _inner()
    else:
        main()
