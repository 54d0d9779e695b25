"""Nothing acknowledged is ever lost: SIGKILL the server during a stream of reports.

A real gunicorn (two workers) serves a fresh database (SQLite, or PostgreSQL
when the suite runs with DATABASE_URL). Three clients keep sending reports
while the whole server is killed with SIGKILL at random moments and
restarted. Afterwards every report whose reference a client received must be
in the database, intact.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.servers import Server, fresh_environment, karpear

pytestmark = pytest.mark.slow


def _client(server: Server, stop: threading.Event, acked: list[tuple[str, str]]) -> None:
    while not stop.is_set():
        marker = uuid.uuid4().hex
        body = json.dumps(
            {
                "links": [f"https://durable.example/{marker}"],
                "category": "grooming",
                "description": marker,
            }
        ).encode()
        request = urllib.request.Request(
            f"{server.url}/api/v1/reports",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 201:
                    acked.append((json.loads(response.read())["reference"], marker))
        except (OSError, http.client.HTTPException, json.JSONDecodeError):
            time.sleep(0.02)  # the server is down or died mid-request: not acknowledged


def test_every_acknowledged_report_survives_sigkill(tmp_path: Path) -> None:
    with fresh_environment(tmp_path) as env:
        server = Server(env)
        server.start()
        acked: list[tuple[str, str]] = []
        stop = threading.Event()
        clients = [threading.Thread(target=_client, args=(server, stop, acked)) for _ in range(3)]
        for thread in clients:
            thread.start()
        rng = random.Random(20261123)
        try:
            for _ in range(6):
                time.sleep(rng.uniform(0.3, 1.2))
                server.kill()
                server.start()
            time.sleep(0.5)
        finally:
            stop.set()
            for thread in clients:
                thread.join()
            server.kill()

        assert len(acked) > 50, len(acked)
        stored = json.loads(
            karpear(
                env,
                "shell",
                "-v0",
                "-c",
                "import json; from karpear.reports.models import Report; print(json.dumps("
                "{r.reference: [r.description, r.category,"
                " [i.normalised_url for i in r.items.all()]]"
                " for r in Report.objects.prefetch_related('items')}))",
            )
        )
        assert [ref for ref, _ in acked if ref not in stored] == []
        for reference, marker in acked:
            assert stored[reference] == [marker, "grooming", [f"https://durable.example/{marker}"]]
