"""Operational reads of the webhook outbox for `/metrics` and the worker (issue #23, item 1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q

from karpear.platformlink.models import EventStatus, WebhookEvent


@dataclass(frozen=True)
class OutboxFigures:
    organisation_id: int
    pending: int  # not yet confirmed by the platform
    dead: int  # given up on: someone must look (dead letters)
    oldest_pending_at: datetime | None


def outbox_figures() -> list[OutboxFigures]:
    """Outbox depth, dead letters and the oldest waiting event, per organisation: one query."""
    rows = (
        WebhookEvent.objects.filter(status__in=[EventStatus.PENDING, EventStatus.DEAD])
        .values_list("organisation_id")
        .annotate(
            pending=Count("id", filter=Q(status=EventStatus.PENDING)),
            dead=Count("id", filter=Q(status=EventStatus.DEAD)),
            oldest=Min("created_at", filter=Q(status=EventStatus.PENDING)),
        )
        .order_by()
    )
    return [OutboxFigures(org, pending, dead, oldest) for org, pending, dead, oldest in rows]


def webhooks_due(*, now: datetime) -> int:
    """Events the worker should deliver now (its queue)."""
    return WebhookEvent.objects.filter(status=EventStatus.PENDING, next_attempt_at__lte=now).count()
