"""Every new report joins a case in the same transaction."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from karpear.cases.intake import case_join_report
from karpear.cases.models import Decision
from karpear.cases.receipt import case_isolate_on_receipt
from karpear.platformlink.models import WebhookEvent
from karpear.platformlink.signals import webhook_delivered
from karpear.reports.models import Report
from karpear.reports.signals import report_received


@receiver(webhook_delivered, sender=WebhookEvent)
def _mark_confirmed(sender: type[WebhookEvent], event: WebhookEvent, **kwargs: Any) -> None:
    """The platform confirmed a decision's webhook: show it on the case."""
    if event.subject_type == "decision" and event.subject_id:
        Decision.objects.filter(pk=event.subject_id, platform_confirmed_at__isnull=True).update(
            platform_confirmed_at=event.delivered_at
        )


@receiver(report_received, sender=Report)
def _open_or_join_case(
    sender: type[Report],
    report: Report,
    items: list[Any] | None = None,
    reporter: str = "",
    **kwargs: Any,
) -> None:
    case, linked = case_join_report(report=report, items=items)
    rows = list(report.items.all()) if items is None else items
    case_isolate_on_receipt(case=case, report=report, items=rows, reporter=reporter, linked=linked)
