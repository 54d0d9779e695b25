"""What the input guard costs per request (issue #15, item 13).

core/guards.py scans every POST body before any view: URL-encoded forms for
%00, JSON for nesting depth and "\\u0000". Figures: the guard's time on the
largest bodies each path accepts (a 32 KB report, a 2 MB notice), and on
adversarial ones (2 MB of "[", 2 MB of backslash escapes), beside the time
Python's json.loads takes for the same body (the work the view does anyway).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _time(fn: Callable[[], object], rounds: int = 20) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karpear.settings")
    os.environ.setdefault("KARPEAR_DATA_DIR", tempfile.mkdtemp(prefix="karpear-bench-"))
    import django

    django.setup()
    from django.test import RequestFactory

    from karpear.core.guards import BadInput, check_request

    factory = RequestFactory()
    report = json.dumps({"links": ["https://social.example/p/1"], "description": "x" * 30_000})
    notice = json.dumps(
        {
            "items": [
                {"url": f"https://social.example/p/{i}", "note": "y" * 60} for i in range(20_000)
            ]
        }
    )[: 2 * 1024 * 1024]
    bodies = {
        "report JSON, 32 KB": report.encode(),
        f"notice JSON, {len(notice) // 1024 // 1024} MB": notice.encode(),
        'adversarial: 2 MB of "["': b"[" * (2 * 1024 * 1024),
        "adversarial: 2 MB of escapes": ('["' + "\\\\" * (1024 * 1024 - 2) + '"]').encode(),
    }
    print("input guard (core/guards.check_request), median of 20, ms")
    for name, body in bodies.items():

        def guard(body: bytes = body) -> None:
            request = factory.post("/api/v1/notices", body, content_type="application/json")
            with contextlib.suppress(BadInput):  # refusing is the expected answer
                check_request(request)

        def parse(body: bytes = body) -> None:
            with contextlib.suppress(ValueError, RecursionError):
                json.loads(body)

        print(f"  {name:32} guard {_time(guard):8.2f}   json.loads {_time(parse):8.2f}")


if __name__ == "__main__":
    main()
