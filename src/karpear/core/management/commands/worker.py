"""`karpear worker`: the background loop for timed work.

A plain, restartable loop (healthchecks' sendalerts style): each job keeps
its state in database rows, so a worker killed at any point simply carries on
where the rows say on its next start. SIGTERM finishes the current job, then
exits. Jobs: delivering webhooks to the platform (issue #4), deleting
reporters' contact details after their case closed (issue #3, item 10),
evidence retention (#5) and forwarding blocklist appeals to sources (#7).
Each app registers its own jobs from its AppConfig (core/jobs.py, issue #23 item 7).
"""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from karpear.core.dbconnections import close_dead_connections
from karpear.core.jobs import registered_jobs

log = logging.getLogger("karpear.worker")


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
        jobs = registered_jobs()
        every = {job.name: job.every() for job in jobs}
        next_run = {job.name: 0.0 for job in jobs}
        while not stopping:
            backlog = False
            for job in jobs:
                name = job.name
                if time.monotonic() < next_run[name]:
                    continue
                next_run[name] = time.monotonic() + every[name]
                if not connection.in_atomic_block:  # (tests run inside one)
                    close_old_connections()
                    # A backend a server restart closed, found as a request finds it:
                    # health checks are off (issue #24), so close_old_connections keeps it.
                    close_dead_connections()
                try:
                    done = job.run()
                except Exception:
                    log.exception("job %s failed; it will run again next round", name)
                    continue
                if done:
                    log.info("job %s: %d done", name, done)
                if job.batch and done >= job.batch:
                    # A full batch: more are likely waiting. Go again at once rather than
                    # sleep (issue #24, item 5: the pause cost ~1 ms per event of a backlog).
                    next_run[name] = 0.0
                    backlog = True
            if options["once"]:
                return
            if not backlog:
                time.sleep(0.1)
