"""Operational reads of the case queue for `/metrics` and the worker (issue #23, item 1).

Aggregates only: counts per organisation, never a case's content. Each function is one query
whatever the number of cases or organisations.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q

from karpear.cases.models import Case, State


def open_case_counts(*, now: datetime) -> list[tuple[int, str, str, int, int]]:
    """(organisation id, state, category, open cases, of which past their SLA) in one query.

    "Open" is every state but closed, as on the desk's figures; past the SLA means the next
    due time (review or action, guidelines 2.6: "a set time to act") has gone by.
    """
    rows = (
        Case.objects.exclude(state=State.CLOSED)
        .values_list("organisation_id", "state", "category")
        .annotate(n=Count("id"), late=Count("id", filter=Q(next_due_at__lt=now)))
        .order_by()
    )
    return [(org, state, category, n, late) for org, state, category, n, late in rows]


def contacts_due_for_erasure(*, now: datetime) -> int:
    """Closed cases whose reporters' contacts the worker must still erase (its queue)."""
    cutoff = now - timedelta(days=settings.KARPEAR_CONTACT_RETENTION_DAYS)
    return Case.objects.filter(
        state=State.CLOSED, closed_at__lt=cutoff, contacts_erased_at__isnull=True
    ).count()
