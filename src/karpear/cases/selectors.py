"""Reads for the desk: the queue, and aggregate figures (no case content)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from karpear.cases.models import (
    Authority,
    AuthorityReferral,
    Case,
    CaseReport,
    Decision,
    ReferralService,
    State,
    VictimReferral,
)
from karpear.orgs.models import Organisation

PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    state: str = ""
    category: str = ""
    channel: str = ""
    assignee_id: int | None = None


def case_queue(
    *,
    organisation: Organisation,
    filters: QueueFilter,
    after: tuple[int, datetime, int] | None = None,
) -> list[Case]:
    """Open cases, most urgent first: priority, then nearest deadline.

    Keyset pagination (`after` = last row's priority, deadline and id) keeps a
    page equally fast at 10k and 1M cases, where OFFSET and COUNT(*) would
    scan; `case_queue_idx` (a partial index on open cases) serves the order.
    """
    cases = Case.objects.filter(organisation=organisation).exclude(state=State.CLOSED)
    if filters.state:
        cases = cases.filter(state=filters.state)
    if filters.category:
        cases = cases.filter(category=filters.category)
    if filters.assignee_id:
        cases = cases.filter(assignee_id=filters.assignee_id)
    if filters.channel:
        cases = cases.filter(
            Exists(CaseReport.objects.filter(case=OuterRef("pk"), channel=filters.channel))
        )
    if after is not None:
        priority, due, last_id = after
        cases = cases.filter(
            Q(priority__lt=priority)
            | Q(priority=priority, next_due_at__gt=due)
            | Q(priority=priority, next_due_at=due, id__gt=last_id)
        )
    return list(
        cases.select_related("assignee").order_by("-priority", "next_due_at", "id")[:PAGE_SIZE]
    )


def case_channels(cases: list[Case]) -> dict[int, list[str]]:
    rows = (
        CaseReport.objects.filter(case_id__in=[c.pk for c in cases])
        .values_list("case_id", "channel")
        .distinct()
    )
    channels: dict[int, list[str]] = {}
    for case_id, channel in rows:
        channels.setdefault(case_id, []).append(channel)
    return channels


def desk_figures(organisation: Organisation) -> dict[str, object]:
    """Aggregate counts for the compliance officer: numbers only, never content."""
    cases = Case.objects.filter(organisation=organisation)
    by_state = dict(cases.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    decisions = dict(
        Decision.objects.filter(organisation=organisation)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return {
        "cases_total": sum(by_state.values()),
        "by_state": [(State(s).label, by_state.get(s, 0)) for s in State.values],
        "decisions": decisions,
        "victim_referrals": VictimReferral.objects.filter(case__organisation=organisation).count(),
        "overdue_open": cases.exclude(state=State.CLOSED)
        .filter(next_due_at__lt=timezone.now())
        .count(),
    }


def referral_counts(organisation: Organisation) -> dict[str, int]:
    """Referrals to authorities per authority, and victim referrals (checklist items 25, 31, 32)."""
    per_authority = dict(
        AuthorityReferral.objects.filter(case__organisation=organisation)
        .values_list("authority")
        .annotate(n=Count("id"))
        .values_list("authority", "n")
    )
    counts = {f"authority_{a}": per_authority.get(a, 0) for a in Authority.values}
    counts["victim_referrals"] = VictimReferral.objects.filter(
        case__organisation=organisation
    ).count()
    counts["referral_services"] = ReferralService.objects.filter(
        organisation=organisation, active=True
    ).count()
    return counts
