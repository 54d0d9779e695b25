"""The worker's job registry (issue #23, item 7): each app registers its own jobs.

`karpear worker` runs whatever is registered here and `/metrics` reads each job's queue
depth from here, so a new capability adds a job from its own `AppConfig.ready()` and never
edits core. Core imports no capability app (tests/core/test_core_imports.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    """One restartable job: `run` does a round and returns how many things it did."""

    name: str
    run: Callable[[], int]
    every: Callable[[], float]  # seconds between rounds, read when the worker starts
    depth: Callable[[], int] | None = None  # things waiting for this job now (for /metrics)
    batch: int | None = None  # a round that did this many ran full: run again at once
    # An erasure the law or our retention promises require (guidelines 2.6 c, PRODUCT
    # "Privacy by default"): `karpear restore` runs it at once, since a backup may hold data
    # whose retention ended meanwhile, and the worker's next round may be an hour away.
    erasure: bool = False


_JOBS: dict[str, Job] = {}


def register_job(
    *,
    name: str,
    run: Callable[[], int],
    every: float | Callable[[], float],
    depth: Callable[[], int] | None = None,
    batch: int | None = None,
    erasure: bool = False,
) -> None:
    """Register (or replace, so a re-run `ready()` is harmless) the job called `name`;
    `erasure=True` marks a retention erasure that a restore must run (backups/services.py)."""
    seconds = every if callable(every) else (lambda value=float(every): value)
    _JOBS[name] = Job(name=name, run=run, every=seconds, depth=depth, batch=batch, erasure=erasure)


def registered_jobs() -> list[Job]:
    """Jobs in registration order (INSTALLED_APPS order)."""
    return list(_JOBS.values())


def erasure_jobs() -> list[Job]:
    """The registered retention erasures, in registration order."""
    return [job for job in _JOBS.values() if job.erasure]


def run_until_done(job: Job, *, rounds: int = 1000) -> int:
    """Run `job` round after round until one does nothing (each erasure round takes a batch,
    and what it erased no longer matches), at most `rounds` times; how many things it did."""
    done = 0
    for _round in range(rounds):
        did = job.run()
        if did <= 0:
            break
        done += did
    return done


def job(name: str) -> Job:
    return _JOBS[name]
