"""`karpear worker`: the background loop for timed work.

A plain, restartable loop (healthchecks' sendalerts style): each job keeps
its state in database rows, so a worker killed at any point simply carries on
where the rows say on its next start. SIGTERM finishes the current job, then
exits. Jobs: delivering webhooks to the platform (issue #4), deleting
reporters' contact details after their case closed (issue #3, item 10),
evidence retention (#5) and forwarding blocklist appeals to sources (#7).
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from karpear.audit.checkpoints import checkpoint_write
from karpear.audit.services import audit_record
from karpear.blocklist.services import forward_appeals
from karpear.cases.services import erase_expired_contacts
from karpear.core.ratelimit import ratelimit_purge
from karpear.evidence.services import integrity_check, purge_expired, purge_resume
from karpear.platformlink.services import deliver_due


def purge_evidence() -> int:
    """Finish interrupted destructions, then destroy what is past retention (2.6 c)."""
    return purge_resume() + len(purge_expired().destroyed)


def check_evidence() -> int:
    """Re-hash every stored item; a mismatch is logged and audited for the lead."""
    problems = integrity_check()
    for item_id, problem in problems:
        log.error("evidence item %s failed its integrity check: %s", item_id, problem)
        audit_record(
            action="evidence_integrity_failure",
            organisation=None,
            actor_label="worker",
            object_type="evidence",
            object_id=item_id,
            detail={"problem": problem},
        )
    return len(problems)


def checkpoint_audit() -> int:
    """Sign the audit chain's head into the checkpoint files outside the database (#15, 9)."""
    return 1 if checkpoint_write() else 0


log = logging.getLogger("karpear.worker")
WEBHOOK_BATCH = 100  # deliver_due's default batch

# (name, job, seconds between runs). Webhooks run often: a takedown notice
# must reach the platform within seconds.
JOBS: list[tuple[str, Callable[[], int], float]] = [
    ("deliver_webhooks", deliver_due, 0.2),
    ("erase_expired_contacts", erase_expired_contacts, 60.0),
    ("purge_expired_evidence", purge_evidence, 300.0),
    ("evidence_integrity_check", check_evidence, 24 * 3600.0),
    ("forward_blocklist_appeals", forward_appeals, 30.0),
    ("audit_checkpoint", checkpoint_audit, float(settings.KARPEAR_AUDIT_CHECKPOINT_SECONDS)),
    # Ended rate-limit windows: nothing links a client over time (issue #15, item 16).
    ("purge_rate_limit_windows", ratelimit_purge, 300.0),
]


class Command(BaseCommand):
    help = "Run background jobs in a loop (or once with --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        next_run = {name: 0.0 for name, _job, _every in JOBS}
        while not stopping:
            backlog = False
            for name, job, every in JOBS:
                if time.monotonic() < next_run[name]:
                    continue
                next_run[name] = time.monotonic() + every
                if not connection.in_atomic_block:  # (tests run inside one)
                    close_old_connections()
                try:
                    done = job()
                except Exception:
                    log.exception("job %s failed; it will run again next round", name)
                    continue
                if done:
                    log.info("job %s: %d done", name, done)
                if name == "deliver_webhooks" and done >= WEBHOOK_BATCH:
                    # A full batch: more are likely waiting. Go again at once rather than
                    # sleep (issue #24, item 5: the pause cost ~1 ms per event of a backlog).
                    next_run[name] = 0.0
                    backlog = True
            if options["once"]:
                return
            if not backlog:
                time.sleep(0.1)
