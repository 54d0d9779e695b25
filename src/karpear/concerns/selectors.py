"""Counts of concerns, never their content: for the compliance checklist (items 7, 8) and the
transparency report (issue #21, item 6). One aggregate query each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from karpear.concerns.models import Concern, ConcernStatus
from karpear.orgs.models import Organisation


def concern_figures(
    organisation: Organisation, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    """Received, acknowledged in time (before `acknowledge_by`), still waiting past it, and
    outcomes, for concerns received in [since, until) (all time when not given)."""
    received = Concern.objects.filter(organisation=organisation)
    if since is not None:
        received = received.filter(received_at__gte=since)
    if until is not None:
        received = received.filter(received_at__lt=until)
    now = timezone.now()
    counts = received.aggregate(
        received=Count("id"),
        acknowledged_in_time=Count("id", filter=Q(acknowledged_at__lte=F("acknowledge_by"))),
        acknowledged_late=Count("id", filter=Q(acknowledged_at__gt=F("acknowledge_by"))),
        waiting_overdue=Count("id", filter=Q(acknowledged_at__isnull=True, acknowledge_by__lt=now)),
        action_taken=Count("id", filter=Q(outcome=ConcernStatus.ACTION_TAKEN)),
        no_further_action=Count("id", filter=Q(outcome=ConcernStatus.NO_FURTHER_ACTION)),
        open=Count("id", filter=~Q(status=ConcernStatus.CLOSED)),
    )
    return {
        "received": counts["received"],
        "acknowledged_in_time": counts["acknowledged_in_time"],
        "acknowledged_late": counts["acknowledged_late"],
        "waiting_overdue": counts["waiting_overdue"],
        "outcome": {
            "action_taken": counts["action_taken"],
            "no_further_action": counts["no_further_action"],
            "undecided": counts["received"] - counts["action_taken"] - counts["no_further_action"],
        },
        "open": counts["open"],
    }
