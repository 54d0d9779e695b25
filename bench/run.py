"""`make bench`: every benchmark, each printing its figures beside its reference."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (
    audit,
    blocklist,
    decode,
    desk_queue,
    education,
    evidence,
    goals,
    hashes,
    input_guard,
    intake,
    metrics,
    notices,
    readability,
    safeguarding,
    sign_in,
    take_it_down,
    transparency,
    webhooks,
)

BENCHES = [
    intake.main,
    notices.main,
    webhooks.main,
    evidence.main,
    desk_queue.main,
    blocklist.main,
    transparency.main,
    hashes.main,
    audit.main,
    sign_in.main,
    decode.main,
    input_guard.main,
    readability.main,
    education.main,
    take_it_down.main,
    safeguarding.main,
    metrics.main,
]

if __name__ == "__main__":
    # BENCH_ONLY=intake,notices,... runs those modules only (e.g. issue #24's rows).
    only = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
    for bench in BENCHES:
        if only and bench.__module__.rpartition(".")[2] not in only:
            continue
        bench()
        sys.stdout.flush()
    goals.summary()
