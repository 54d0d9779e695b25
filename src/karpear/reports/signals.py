"""Signals other apps listen to, so reports never import them."""

from __future__ import annotations

from typing import Any, Protocol

from django.dispatch import Signal

from karpear.orgs.models import Organisation

# Sent inside report_submit's transaction for each new report (kwargs:
# report, items, and reporter: who sent it, for the isolation abuse guard).
# The desk opens or joins a case in the same transaction, so a report is
# never stored without its case. Not sent for a report the registered writer
# stored whole (below): a new receiver must also be part of that writer.
report_received = Signal()


class ReportWriter(Protocol):
    """Writes a report, its items and everything report_received would have written, in one
    statement, and returns the report; or writes nothing and returns None (the caller
    then writes the report and sends report_received in a transaction)."""

    def __call__(
        self, *, values: dict[str, Any], rows: list[dict[str, Any]], organisation: Organisation
    ) -> Any: ...


_writer: list[ReportWriter] = []  # the one registered writer, if any


def register_report_writer(writer: ReportWriter) -> None:
    """Called from the cases app's `ready()` (issue #24: report and case in one statement).
    There is one writer: registering again replaces it (ready() may run twice in tests)."""
    _writer[:] = [writer]


def report_writer() -> ReportWriter | None:
    return _writer[0] if _writer else None
