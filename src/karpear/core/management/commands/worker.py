"""`karpear worker`: the background loop for timed work.

A plain, restartable loop (healthchecks' sendalerts style): each job keeps
its state in database rows, so a worker killed at any point simply carries on
where the rows say on its next start. SIGTERM finishes the current job, then
exits. Jobs today: delete reporters' contact details after their case closed
(issue #3, item 10).
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from karpear.cases.services import erase_expired_contacts

log = logging.getLogger("karpear.worker")
JOBS: list[tuple[str, Callable[[], int]]] = [
    ("erase_expired_contacts", erase_expired_contacts),
]


class Command(BaseCommand):
    help = "Run background jobs in a loop (or once with --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")
        parser.add_argument("--interval", type=float, default=60.0)

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping:
            for name, job in JOBS:
                if not connection.in_atomic_block:  # (tests run inside one)
                    close_old_connections()
                try:
                    done = job()
                except Exception:
                    log.exception("job %s failed; it will run again next round", name)
                    continue
                if done:
                    log.info("job %s: %d done", name, done)
            if options["once"]:
                return
            slept = 0.0
            while not stopping and slept < options["interval"]:
                time.sleep(0.5)
                slept += 0.5
