"""Operational reads of referrals for `/metrics` (issue #23, item 1)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q

from karpear.referrals.models import Referral


def unacknowledged_referrals(*, now: datetime) -> list[tuple[int, int, int]]:
    """(organisation id, unacknowledged, of which overdue) in one query.

    Overdue: sent longer ago than KARPEAR_REFERRAL_ACK_HOURS, the desk's re-send list.
    """
    limit = now - timedelta(hours=settings.KARPEAR_REFERRAL_ACK_HOURS)
    rows = (
        Referral.objects.filter(acknowledged_at__isnull=True)
        .values_list("organisation_id")
        .annotate(n=Count("id"), late=Count("id", filter=Q(last_sent_at__lt=limit)))
        .order_by()
    )
    return [(org, n, late) for org, n, late in rows]
