"""Reads other apps may make of self-reports (issue #22, item 8)."""

from __future__ import annotations

from karpear.orgs.models import Organisation
from karpear.reports.references import parse_reference
from karpear.takeitdown.models import SelfReport


def self_report_by_reference(*, organisation: Organisation, reference: str) -> SelfReport | None:
    """The organisation's self-report with this code, for the status page; None if there is none.

    The status page shows only that the codes are held and checked, never matches: a match
    would tell whoever holds the code that the picture was put online again.
    """
    parsed = parse_reference(reference)
    if parsed is None:
        return None
    return SelfReport.objects.filter(organisation=organisation, reference=parsed).first()
