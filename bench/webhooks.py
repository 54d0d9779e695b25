"""Webhook delivery from a backlog, beside direct signed POSTs from one process (issue #24).

One `karpear worker` on PostgreSQL drains a backlog of `account.warn` events queued in one
transaction; the reference sends the same kind of signed POSTs straight to the same reference
platform from one process, with the same HTTP client (one keep-alive connection). The two
alternate for a few rounds, so both see the same load on a shared machine; each round's ratio
and the median are printed.

The worker's rate is timed from the backlog's first delivery to its last (the events' own
`delivered_at`), counting only the ids this round queued: other events in the outbox (a notice's
preserve request, say) neither end the wait early nor stretch the span.

    BENCH_WEBHOOK_BACKLOG=300 BENCH_WEBHOOK_ROUNDS=3 python bench/webhooks.py
    BENCH_WEBHOOK_PYSPY=/tmp/worker.svg ...   # also record the worker with py-spy
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BIN, ROOT, free_port, pg_url, reference_platform

ENQUEUE = """
import sys
from django.db import transaction
from karpear.orgs.models import Organisation
from karpear.platformlink.services import event_enqueue
org = Organisation.objects.get(is_default=True)
with transaction.atomic():
    ids = [event_enqueue(organisation_id=org.pk, event_type='account.warn',
                         data={'account_id': f'bench{n}'}).pk for n in range(COUNT)]
print(min(ids), max(ids))
"""


def _karpear(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [BIN / "karpear", *args], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def _backlog(conn: Any, first: int, last: int) -> tuple[int, int, float]:
    """(delivered, dead, seconds from first to last delivery) of the events first..last."""
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE status = 'delivered'),"
        " count(*) FILTER (WHERE status = 'dead'),"
        " extract(epoch FROM max(delivered_at) - min(delivered_at))"
        " FROM platformlink_webhookevent WHERE id BETWEEN %s AND %s",
        (first, last),
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), float(row[2] or 0.0)


def drain(env: dict[str, str], count: int, timeout: float = 300.0) -> float:
    """Queue `count` events in one transaction and wait until the worker delivered every one of
    them; their delivery rate (events/s, first to last delivery).

    The wait polls on one connection, four times a second: a new connection every 50 ms (as
    bench/notices.py did) cost PostgreSQL a backend each, CPU taken from the worker only while
    it drained, never from the reference."""
    import psycopg

    out = _karpear(env, "shell", "-v0", "-c", ENQUEUE.replace("COUNT", str(count)))
    first, last = map(int, out.split())
    assert last - first + 1 == count, (first, last)
    deadline = time.monotonic() + timeout
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        while True:
            time.sleep(0.25)
            delivered, dead, span = _backlog(conn, first, last)
            if delivered == count:
                return (count - 1) / span
            if dead or time.monotonic() > deadline:
                raise RuntimeError(f"backlog not drained: {delivered} delivered, {dead} dead")


def direct(webhook_url: str, secret: str, count: int) -> float:
    """The ceiling: the same signed POSTs straight to the platform, one after another, on one
    keep-alive connection (what the worker uses), each reply read and checked."""
    from standardwebhooks import Webhook

    hook = Webhook(secret)
    target = urllib.parse.urlsplit(webhook_url)
    conn = HTTPConnection(target.hostname or "", target.port, timeout=5)
    run = uuid.uuid4().hex[:8]
    start = time.perf_counter()
    for n in range(count):
        msg_id = f"msg_direct_{run}_{n}"
        now = datetime.now(tz=UTC)
        body = json.dumps(
            {"type": "account.warn", "timestamp": now.isoformat(), "data": {"account_id": f"d{n}"}},
            separators=(",", ":"),
        )
        conn.request(
            "POST",
            target.path,
            body=body.encode(),
            headers={
                "Content-Type": "application/json",
                "webhook-id": msg_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": hook.sign(msg_id, now, body),
            },
        )
        response = conn.getresponse()
        reply = json.loads(response.read())
        assert response.status == 200 and reply["received"] == msg_id, reply
    seconds = time.perf_counter() - start
    conn.close()
    return count / seconds


def main() -> None:
    import psycopg

    count = int(os.environ.get("BENCH_WEBHOOK_BACKLOG", "500"))
    rounds = int(os.environ.get("BENCH_WEBHOOK_ROUNDS", "3"))
    pyspy = os.environ.get("BENCH_WEBHOOK_PYSPY", "")
    base = pg_url()
    dbname = f"bench_hooks_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {dbname}")
    tmp = Path(tempfile.mkdtemp(prefix="karpear-bench-hooks-"))
    env = {
        **os.environ,
        "KARPEAR_DATA_DIR": str(tmp),
        "DATABASE_URL": base.rsplit("/", 1)[0] + "/" + dbname,
    }
    procs: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run([BIN / "karpear", "migrate", "-v0"], env=env, check=True)
        _karpear(env, "org", "create", "--name", "Bench", "--slug", "bench", "--default")
        port = free_port()
        webhook_url = f"http://127.0.0.1:{port}/webhooks/karpear"
        secret = _karpear(
            env, "platform", "configure", "--url", webhook_url, "--hosted", "x.example"
        )
        (tmp / "secret").write_text(secret)
        procs.append(reference_platform(port, tmp, 1))
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/state", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        worker = subprocess.Popen(
            [BIN / "karpear", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(worker)
        if pyspy:
            procs.append(
                subprocess.Popen(
                    [
                        str(BIN / "py-spy"),
                        "record",
                        "--pid",
                        str(worker.pid),
                        "-o",
                        pyspy,
                        "--format",
                        "raw",
                        "--nonblocking",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        drain(env, 50)  # warm-up: the worker's imports and connections, the platform's tables
        direct(webhook_url, secret, 50)
        pairs = []
        for _ in range(rounds):
            reference = direct(webhook_url, secret, count)
            pairs.append((drain(env, count), reference))
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGINT)  # (py-spy writes its profile on SIGINT)
            proc.wait()
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
    ratios = [w / r for w, r in pairs]
    print("webhooks: one worker on PostgreSQL, reference platform on loopback")
    for n, (rate, reference) in enumerate(pairs, 1):
        print(
            f"  round {n}: worker draining a backlog of {count}: {rate:5.0f} webhooks/s; "
            f"direct signed POSTs from one process: {reference:5.0f}/s; "
            f"ratio {rate / reference:.2f}"
        )
    print(f"  median ratio {statistics.median(ratios):.2f} (goal >=0.8)")
    from bench.goals import record

    record("webhooks from a backlog vs direct POSTs", statistics.median(ratios), 0.8)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
