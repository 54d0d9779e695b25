"""Report intake throughput and latency, beside a trivial view on the same server.

Issue #2, item 21; issue #24. gunicorn with several workers on PostgreSQL; wrk sends
in-app reports (POST /api/v1/reports, each one committed with its case before the answer)
and, for reference, GET /healthz (a SELECT 1 and a rolled-back write probe), in
alternating rounds. Goal (issue #24): intake at least half the reference's throughput.
"""

from __future__ import annotations

import os
import statistics
import sys
from collections.abc import Iterable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import WrkResult, cpu_seconds, server, wrk
from bench.goals import record

POST = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  local body = '{"links":["https://bench.example/p/' .. counter .. '"],"category":"other",' ..
               '"description":"bench"}'
  return wrk.format(nil, "/api/v1/reports", nil, body)
end
"""


def main() -> None:
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    workers = int(os.environ.get("BENCH_WORKERS", "3"))
    # The reference and the intake take turns (issue #24, q1): on a shared, loaded machine a
    # single 10 s run of each compared two different moments of the machine's load.
    rounds = max(1, int(os.environ.get("BENCH_ROUNDS", "3")))
    part = max(2, seconds // rounds)
    trivial: list[WrkResult] = []
    intake: list[WrkResult] = []
    # CPU per request, (server, database) milliseconds per round: a loaded machine changes
    # the throughput of both sides from one moment to the next, much less what each costs.
    trivial_cpu: list[tuple[float, float]] = []
    intake_cpu: list[tuple[float, float]] = []
    with server(workers) as (url, env):
        wrk(url + "/healthz", seconds=2)  # warm up
        wrk(url, seconds=2, script=POST)
        for _round in range(rounds):
            for runs, cpus, target, script in (
                (trivial, trivial_cpu, url + "/healthz", None),
                (intake, intake_cpu, url, POST),
            ):
                before = cpu_seconds(url, env)
                runs.append(wrk(target, seconds=part, script=script))
                after = cpu_seconds(url, env)
                n = max(1, runs[-1].requests)
                cpus.append(((after[0] - before[0]) * 1000 / n, (after[1] - before[1]) * 1000 / n))
    print(
        f"intake: gunicorn x{workers} on PostgreSQL, wrk 16 connections, "
        f"{rounds} alternating rounds of {part}s each"
    )
    for name, runs in (("reference GET /healthz", trivial), ("POST /api/v1/reports", intake)):
        print(
            f"  {name:<26} {_mean(r.rps for r in runs):8.0f} req/s"
            f"  p50 {statistics.median(r.p50_ms for r in runs):6.1f} ms"
            f"  p99 {max(r.p99_ms for r in runs):6.1f} ms  errors {sum(r.errors for r in runs)}"
        )
    ratios = " ".join(f"{i.rps / t.rps:.2f}" for t, i in zip(trivial, intake, strict=True))
    overall = _mean(r.rps for r in intake) / _mean(r.rps for r in trivial)
    print(f"  intake / trivial throughput ratio: {overall:.2f} (rounds: {ratios})")
    app = [
        statistics.median(c[i] for c in cpus) for cpus in (trivial_cpu, intake_cpu) for i in (0, 1)
    ]
    print(
        f"  CPU per request, median of rounds: GET /healthz {app[0]:.2f} ms in gunicorn + "
        f"{app[1]:.2f} ms in PostgreSQL; POST /api/v1/reports {app[2]:.2f} + {app[3]:.2f} ms"
    )
    if app[2] and app[2] + app[3]:
        print(
            f"  CPU ratio (healthz / intake): gunicorn {app[0] / app[2]:.2f}, "
            f"gunicorn + PostgreSQL {(app[0] + app[1]) / (app[2] + app[3]):.2f}"
        )
    record("report intake vs GET /healthz", overall, 0.5)


def _mean(values: Iterable[float]) -> float:
    return statistics.fmean(values)


if __name__ == "__main__":
    main()
