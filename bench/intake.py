"""Report intake throughput and latency, beside a trivial view on the same server.

Issue #2, item 21. gunicorn with several workers on PostgreSQL; wrk sends
in-app reports (POST /api/v1/reports, each one a durable INSERT of a report
and its link) and, for reference, GET /healthz (one SELECT 1).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import server, wrk

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
    with server(workers) as (url, _env):
        wrk(url + "/healthz", seconds=2)  # warm up
        trivial = wrk(url + "/healthz", seconds=seconds)
        intake = wrk(url, seconds=seconds, script=POST)
    print(f"intake: gunicorn x{workers} on PostgreSQL, wrk 16 connections, {seconds}s each")
    print(
        f"  reference GET /healthz      {trivial.rps:8.0f} req/s  p50 {trivial.p50_ms:6.1f} ms"
        f"  p99 {trivial.p99_ms:6.1f} ms  errors {trivial.errors}"
    )
    print(
        f"  POST /api/v1/reports        {intake.rps:8.0f} req/s  p50 {intake.p50_ms:6.1f} ms"
        f"  p99 {intake.p99_ms:6.1f} ms  errors {intake.errors}"
    )
    print(f"  intake / trivial throughput ratio: {intake.rps / trivial.rps:.2f}")


if __name__ == "__main__":
    main()
