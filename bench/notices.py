"""Notice to platform confirmation, and webhook delivery rate (issue #4, item 13).

A production-style setup on loopback: gunicorn (3 workers) on PostgreSQL,
one `karpear worker`, and the reference platform. Figures:

* single notices, one at a time: time from sending the notice until the
  reference platform shows the post hidden (p50/p99);
* a burst of 1,000 notices from 8 concurrent issuers: per notice, time from
  the notice's commit to the platform's confirmation (p50/p99, from the
  outbox timestamps), and the time until all are confirmed;
* (the worker's delivery rate from a backlog, beside direct signed POSTs,
  is bench/webhooks.py).
* the burst again through the batch form, POST /api/v1/notices/batch (issue
  #24), timed to the last acknowledgement, beside the single form's;
* what explains the single form's figure (issue #24, u1): the CPU each notice
  costs in gunicorn and in PostgreSQL, and in the worker and the reference
  platform delivering the burst's webhooks at the same time, and the same
  burst again with the worker stopped (nothing delivered while it runs).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BIN, ROOT, _proc_cpu, cpu_seconds, free_port, reference_platform, server


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _karpear(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [BIN / "karpear", *args], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def _notice(reference: str, content_id: str) -> dict[str, object]:
    """A takedown notice of one post, as the bench's issuers send it."""
    return {
        "issuer_reference": reference,
        "legal_basis": "bench",
        "items": [{"platform_content_id": content_id}],
        "actions": ["takedown"],
    }


def _post(url: str, token: str, body: dict[str, object]) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


def _state(platform: str) -> dict[str, Any]:
    with urllib.request.urlopen(platform + "/api/state", timeout=5) as response:
        return dict(json.loads(response.read()))


def _applied(platform: str) -> int:
    return int(_state(platform)["applied"])


def main() -> None:
    singles = int(os.environ.get("BENCH_NOTICE_SINGLES", "50"))
    burst = int(os.environ.get("BENCH_NOTICE_BURST", "1000"))
    with server(3) as (url, env):
        tmp = Path(tempfile.mkdtemp(prefix="karpear-bench-platform-"))
        port = free_port()
        platform = f"http://127.0.0.1:{port}"
        secret = _karpear(
            env,
            "platform",
            "configure",
            "--url",
            platform + "/webhooks/karpear",
            "--hosted",
            "social.example",
        )
        (tmp / "secret").write_text(secret)
        ref = reference_platform(port, tmp, singles + burst)
        worker = subprocess.Popen(
            [BIN / "karpear", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        token = _karpear(
            env, "apikey", "create", "--scope", "issuer", "--name", "Anti-Cybercrime Unit"
        )
        try:
            time.sleep(1.5)
            single_ms = []
            for n in range(1, singles + 1):
                start = time.perf_counter()
                _post(
                    url + "/api/v1/notices",
                    token,
                    _notice(f"single-{n}", f"post:{n}"),
                )
                while _state(platform)["posts"][f"post:{n}"]["state"] != "hidden":
                    time.sleep(0.005)
                single_ms.append((time.perf_counter() - start) * 1000)

            def one(n: int) -> int:
                return _post(
                    url + "/api/v1/notices",
                    token,
                    _notice(f"burst-{n}", f"post:{singles + n}"),
                )

            cpu_before = (*cpu_seconds(url, env), _proc_cpu(worker.pid), _proc_cpu(ref.pid))
            start = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(one, range(1, burst + 1)))
            sent_s = time.perf_counter() - start
            cpu_after = (*cpu_seconds(url, env), _proc_cpu(worker.pid), _proc_cpu(ref.pid))
            # CPU ms per notice while the burst was acknowledged: gunicorn, PostgreSQL (this
            # database's backends), the worker, the reference platform (issue #24, u1).
            cpu_ms = [(b - a) * 1000 / burst for a, b in zip(cpu_before, cpu_after, strict=True)]
            target = singles + burst
            while _applied(platform) < target:
                time.sleep(0.05)
            all_s = time.perf_counter() - start
            rows = json.loads(
                _karpear(
                    env,
                    "shell",
                    "-v0",
                    "-c",
                    (
                        "import json; from karpear.platformlink.models import WebhookEvent as E; "
                        "print(json.dumps([[e.created_at.timestamp(),"
                        " e.delivered_at.timestamp()] for e "
                        f"in E.objects.filter(status='delivered').order_by('id')[{singles}:]]))"
                    ),
                )
            )
            burst_ms = [(d - c) * 1000 for c, d in rows]
        finally:
            worker.terminate()
            worker.wait()
        quiet_s, quiet_ok, quiet_cpu_ms = _single_burst(url, env, token, burst)
        batch_s, batch_ok = _batch_burst(url, token, burst)
        ref.terminate()
        ref.wait()
    print("notices: gunicorn x3 on PostgreSQL, one worker, reference platform on loopback")
    print(
        f"  single notice -> post hidden on platform ({singles} notices): "
        f"p50 {statistics.median(single_ms):6.0f} ms  p99 {_pct(single_ms, 0.99):6.0f} ms"
    )
    print(
        f"  burst of {burst} notices (8 issuers): all acknowledged in {sent_s:5.1f}s "
        f"({sum(s in (200, 201) for s in statuses)} ok; goal <=5 s), all confirmed in "
        f"{all_s:5.1f}s"
    )
    _explain(cpu_ms, quiet_s, quiet_ok, quiet_cpu_ms)
    print(
        f"  the same burst through POST /api/v1/notices/batch ({BATCH} a request, 8 issuers): "
        f"all acknowledged in {batch_s:5.1f}s ({batch_ok} ok; goal <=5 s; "
        f"{sent_s / batch_s:.0f}x the single form)"
    )
    print(
        f"  burst commit -> platform confirmed: p50 {statistics.median(burst_ms):6.0f} ms  "
        f"p99 {_pct(burst_ms, 0.99):6.0f} ms"
    )
    # The worker's rate on a backlog, beside direct POSTs, is bench/webhooks.py (issue #24).
    from bench.goals import record

    record(
        f"{burst:,} notices acknowledged, one a request",
        sent_s,
        5,
        unit="s",
        higher_is_better=False,
    )
    record(
        f"{burst:,} notices acknowledged, batches of {BATCH}",
        batch_s,
        5,
        unit="s",
        higher_is_better=False,
    )


BATCH = 100


def _explain(
    cpu_ms: list[float], quiet_s: float, quiet_ok: int, quiet_cpu_ms: tuple[float, float]
) -> None:
    """What explains the goal row (issue #24, u1): where its CPU went, and the burst again
    with nothing delivered meanwhile."""
    print(
        f"    CPU per notice meanwhile: gunicorn {cpu_ms[0]:.1f} ms, PostgreSQL "
        f"{cpu_ms[1]:.1f} ms, worker {cpu_ms[2]:.1f} ms, reference platform "
        f"{cpu_ms[3]:.1f} ms (all on {os.cpu_count()} cores)"
    )
    print(
        f"  the same burst with the worker stopped (nothing delivered meanwhile): all "
        f"acknowledged in {quiet_s:5.1f}s ({quiet_ok} ok); CPU per notice: gunicorn "
        f"{quiet_cpu_ms[0]:.1f} ms, PostgreSQL {quiet_cpu_ms[1]:.1f} ms"
    )


def _single_burst(
    url: str, env: dict[str, str], token: str, burst: int
) -> tuple[float, int, tuple[float, float]]:
    """The single form's burst again with the worker stopped, so that no delivery shares the
    cores: what the concurrent deliveries cost the goal row (issue #24, u1). (seconds, notices
    answered 201, CPU ms per notice in gunicorn and PostgreSQL)."""

    def one(n: int) -> int:
        return _post(
            url + "/api/v1/notices",
            token,
            _notice(f"quiet-{n}", f"post:quiet-{n}"),
        )

    before = cpu_seconds(url, env)
    start = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(one, range(burst)))
    elapsed = time.perf_counter() - start
    after = cpu_seconds(url, env)
    cpu = ((after[0] - before[0]) * 1000 / burst, (after[1] - before[1]) * 1000 / burst)
    return elapsed, sum(s == 201 for s in statuses), cpu


def _batch_burst(url: str, token: str, burst: int) -> tuple[float, int]:
    """The burst again, as an issuer with bursts sends it: POST /api/v1/notices/batch (issue
    #24). Run with the worker stopped, so its webhooks wait and disturb nothing measured
    after; only the acknowledgement is timed. (seconds, notices answered 201)."""

    def one(start: int) -> int:
        request = urllib.request.Request(
            url + "/api/v1/notices/batch",
            data=json.dumps(
                {
                    "notices": [
                        _notice(f"batch-{n}", f"post:batch-{n}")
                        for n in range(start, min(start + BATCH, burst))
                    ]
                }
            ).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            results = json.loads(response.read())["results"]
        return sum(r["status"] == 201 for r in results)

    start = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        created = sum(pool.map(one, range(0, burst, BATCH)))
    return time.perf_counter() - start, created


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
