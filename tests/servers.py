"""Real server processes for crash tests: gunicorn, the worker, a fresh database."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.platform_fixture import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"


def _psql(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


@contextmanager
def fresh_environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for a new, migrated database with one default organisation.

    A file SQLite database, or a new PostgreSQL database on the suite's server
    when the suite runs with DATABASE_URL.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(KARPEAR_DATA_DIR=str(tmp_path), KARPEAR_RATELIMIT_ENABLED="0")
    base_url = os.environ.get("DATABASE_URL", "")
    dbname = ""
    if base_url.startswith("postgres"):
        dbname = f"crash_{uuid.uuid4().hex[:8]}"
        _psql(base_url, f"CREATE DATABASE {dbname}")
        env["DATABASE_URL"] = base_url.rsplit("/", 1)[0] + "/" + dbname
    else:
        env.pop("DATABASE_URL", None)
    karpear(env, "migrate", "-v0")
    karpear(env, "org", "create", "--name", "Crash Test", "--slug", "crash", "--default")
    try:
        yield env
    finally:
        if dbname:
            _psql(base_url, f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")


def karpear(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [str(BIN / "karpear"), *args], env=env, check=True, capture_output=True, text=True
    ).stdout


class Process:
    """A process group that can be started, killed with SIGKILL, and started again."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.argv = argv
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # no cleanup, no goodbye
            self.proc.wait()


class Server(Process):
    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        super().__init__(
            [
                str(BIN / "gunicorn"),
                "karpear.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
            ],
            env,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        super().start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")


class Worker(Process):
    def __init__(self, env: dict[str, str]) -> None:
        super().__init__([str(BIN / "karpear"), "worker"], env)
