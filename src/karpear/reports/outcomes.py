"""The plain reason for the outcome of a report, as an extension point (issue #17, item 7).

Reports know nothing of cases (docs/architecture.md: dependencies point from cases to
reports). The app that works reports into outcomes registers one function here from its
`AppConfig.ready` (cases does: `cases.outcomes.report_outcome`); the status page asks through
`report_outcome` and shows nothing while no app has registered or none has an answer yet.
"""

from __future__ import annotations

from typing import Protocol

from django.utils.functional import Promise

from karpear.orgs.models import Organisation


class OutcomeReader(Protocol):
    """(organisation, parsed reference) -> a plain reason, or None while there is none."""

    def __call__(self, *, organisation: Organisation, reference: str) -> Promise | None: ...


_readers: list[OutcomeReader] = []


def register_outcome_reader(reader: OutcomeReader) -> None:
    """Called once per app from `ready()`; registering the same function again is a no-op."""
    if reader not in _readers:
        _readers.append(reader)


def report_outcome(*, organisation: Organisation, reference: str) -> Promise | None:
    """The first registered reader's answer for this report, or None."""
    for reader in _readers:
        answer = reader(organisation=organisation, reference=reference)
        if answer is not None:
            return answer
    return None
