"""Nothing acknowledged is ever lost: SIGKILL the server during a stream of reports.

A real gunicorn (two workers) serves a fresh database: a file SQLite database,
or a fresh PostgreSQL database when the suite runs with DATABASE_URL. Two
clients keep sending reports while the whole server is killed with SIGKILL at
random moments and restarted. Afterwards every report whose reference a
client received must be in the database, intact.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(KARPEAR_DATA_DIR=str(tmp_path), KARPEAR_RATELIMIT_ENABLED="0")
    base_url = os.environ.get("DATABASE_URL", "")
    dbname = ""
    if base_url.startswith("postgres"):
        dbname = f"durability_{uuid.uuid4().hex[:8]}"
        _psql(base_url, f"CREATE DATABASE {dbname}")
        env["DATABASE_URL"] = base_url.rsplit("/", 1)[0] + "/" + dbname
    else:
        env.pop("DATABASE_URL", None)
    subprocess.run([BIN / "karpear", "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [BIN / "karpear", "org", "create", "--name", "Durable", "--slug", "durable", "--default"],
        env=env,
        check=True,
        capture_output=True,
    )
    yield env
    if dbname:
        _psql(base_url, f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")


def _psql(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


class Server:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                BIN / "gunicorn",
                "karpear.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--graceful-timeout",
                "1",
            ],
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)  # master and every worker, no cleanup
        self.proc.wait()


def _client(port_of: Server, stop: threading.Event, acked: list[tuple[str, str]]) -> None:
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
            f"http://127.0.0.1:{port_of.port}/api/v1/reports",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 201:
                    acked.append((json.loads(response.read())["reference"], marker))
        except (OSError, urllib.error.HTTPError, json.JSONDecodeError):
            time.sleep(0.02)  # the server is down or died mid-request: not acknowledged


def test_every_acknowledged_report_survives_sigkill(server_env: dict[str, str]) -> None:
    server = Server(server_env)
    server.start()
    acked: list[tuple[str, str]] = []
    stop = threading.Event()
    clients = [threading.Thread(target=_client, args=(server, stop, acked)) for _ in range(3)]
    for thread in clients:
        thread.start()
    rng = random.Random(20261123)
    kills = 0
    try:
        for _ in range(6):
            time.sleep(rng.uniform(0.3, 1.2))
            server.kill()
            kills += 1
            server.start()
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in clients:
            thread.join()
        server.kill()

    assert kills == 6 and len(acked) > 50, len(acked)
    dump = subprocess.run(
        [
            BIN / "karpear",
            "shell",
            "-v0",
            "-c",
            "import json; from karpear.reports.models import Report; print(json.dumps("
            "{r.reference: [r.description, r.category, [i.normalised_url for i in r.items.all()]]"
            " for r in Report.objects.prefetch_related('items')}))",
        ],
        env=server_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    stored = json.loads(dump)
    missing = [ref for ref, _ in acked if ref not in stored]
    assert missing == []
    for reference, marker in acked:
        assert stored[reference] == [marker, "grooming", [f"https://durable.example/{marker}"]]
