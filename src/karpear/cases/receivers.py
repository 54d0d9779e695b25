"""Every new report joins a case in the same transaction."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from karpear.cases.services import case_open_or_join
from karpear.reports.models import Report
from karpear.reports.signals import report_received


@receiver(report_received, sender=Report)
def _open_or_join_case(sender: type[Report], report: Report, **kwargs: Any) -> None:
    case_open_or_join(report=report)
