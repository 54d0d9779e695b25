"""Shared bench helpers: a production-style server on PostgreSQL, and wrk."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


def pg_url() -> str:
    """The bench's PostgreSQL: KARPEAR_BENCH_PG_URL when a server is already running (a
    shared one on a busy machine), else the project's throwaway server."""
    if os.environ.get("KARPEAR_BENCH_PG_URL"):
        return os.environ["KARPEAR_BENCH_PG_URL"]
    out = subprocess.run(
        [ROOT / "scripts" / "pg-test.sh", "start"], check=True, capture_output=True, text=True
    ).stdout
    return out.strip().split("=", 1)[1]


REFERENCE_PLATFORM = ROOT / "examples" / "reference_platform" / "app.py"


def reference_platform(port: int, tmp: Path, posts: int) -> subprocess.Popen[bytes]:
    """The reference platform on loopback, its webhook secret read from tmp/secret."""
    return subprocess.Popen(
        [
            sys.executable,
            str(REFERENCE_PLATFORM),
            "--port",
            str(port),
            "--db",
            str(tmp / "p.sqlite3"),
            "--secret-file",
            str(tmp / "secret"),
            "--posts",
            str(posts),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(
    workers: int, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[str, dict[str, str]]]:
    """gunicorn with `workers` processes on a fresh PostgreSQL database."""
    import psycopg

    base = pg_url()
    dbname = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {dbname}")
    data_dir = tempfile.mkdtemp(prefix="karpear-bench-")
    env = {
        **os.environ,
        "KARPEAR_DATA_DIR": data_dir,
        "KARPEAR_RATELIMIT_ENABLED": "0",
        "DATABASE_URL": base.rsplit("/", 1)[0] + "/" + dbname,
        **(extra_env or {}),
    }
    subprocess.run([BIN / "karpear", "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [BIN / "karpear", "org", "create", "--name", "Bench", "--slug", "bench", "--default"],
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    proc = subprocess.Popen(
        [
            BIN / "gunicorn",
            "karpear.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield url, env
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int = 0


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    url: str,
    *,
    seconds: int = 10,
    connections: int = 16,
    threads: int = 1,
    script: str | None = None,
) -> WrkResult:
    """Run wrk (a second process on loopback) and parse its latency distribution."""
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if script:
            lua.write(script)
    if script:
        args += ["-s", lua.name]
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    done = re.search(r"(\d+) requests in", out)
    return WrkResult(rps, p50, p99, errors, int(done.group(1)) if done else 0)


def _proc_cpu(pid: int) -> float:
    """utime + stime of a process, in seconds (0 when it is gone or not readable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(url: str, env: dict[str, str]) -> tuple[float, float]:
    """CPU seconds used so far by the server's processes (gunicorn: master and workers) and
    by the PostgreSQL backends of its database (when the server runs on this machine).

    Less sensitive to a loaded machine than requests per second: the CPU a request costs
    does not change much when other processes take turns on the cores (issue #24)."""
    import psycopg

    bind = url.rsplit("/", 1)[-1].encode()
    app = 0.0
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if b"gunicorn" in cmdline and bind in cmdline:
                app += _proc_cpu(int(proc.name))
    dbname = env["DATABASE_URL"].rsplit("/", 1)[1]
    with psycopg.connect(pg_url(), autocommit=True) as conn:
        pids = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [dbname]
        ).fetchall()
    return app, sum(_proc_cpu(pid) for (pid,) in pids)
