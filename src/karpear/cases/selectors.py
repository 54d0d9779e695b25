"""Reads for the desk: the queue, and aggregate figures (no case content)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from karpear.cases.models import (
    AgeBand,
    Authority,
    AuthorityReferral,
    Case,
    CaseReport,
    ContentType,
    Decision,
    DecisionKind,
    Ground,
    LegalAssessment,
    ReferralService,
    State,
    VictimReferral,
)
from karpear.core.percentiles import db_datetime, grouped_percentiles, hours_between
from karpear.notices.models import Notice, NoticeItem
from karpear.orgs.models import Organisation
from karpear.reports.models import Report

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


def next_case(*, organisation: Organisation, user_id: int, skip: int | None = None) -> Case | None:
    """The queue's most urgent open case that is free or already this user's ("next case",
    issue #16 item 12), in the queue's own order; `skip` leaves out the case being left."""
    cases = (
        Case.objects.filter(organisation=organisation)
        .exclude(state=State.CLOSED)
        .filter(Q(assignee__isnull=True) | Q(assignee_id=user_id))
    )
    if skip is not None:
        cases = cases.exclude(pk=skip)
    return cases.order_by("-priority", "next_due_at", "id").first()


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


CONTENT_KINDS = (
    DecisionKind.CONTENT_ISOLATE,
    DecisionKind.CONTENT_REMOVE,
    DecisionKind.CONTENT_RESTORE,
)
ACCOUNT_KINDS = (
    DecisionKind.ACCOUNT_WARNING,
    DecisionKind.ACCOUNT_SUSPENSION,
    DecisionKind.ACCOUNT_BAN,
)


def period_cases(organisation: Organisation, since: datetime, until: datetime) -> dict[str, Any]:
    """Cases opened, decisions by kind and ground, and referrals, in [since, until)."""
    opened = dict(
        Case.objects.filter(organisation=organisation, opened_at__gte=since, opened_at__lt=until)
        .values_list("source")
        .annotate(n=Count("id"))
        .values_list("source", "n")
    )
    decided: dict[tuple[str, str], int] = {
        (kind, ground): n
        for kind, ground, n in Decision.objects.filter(
            organisation=organisation, decided_at__gte=since, decided_at__lt=until
        )
        .values_list("kind", "ground")
        .annotate(n=Count("id"))
        .values_list("kind", "ground", "n")
    }

    def by_ground(kinds: tuple[DecisionKind, ...]) -> dict[str, dict[str, int]]:
        return {k.value: {g: decided.get((k.value, g), 0) for g in Ground.values} for k in kinds}

    referred = dict(
        AuthorityReferral.objects.filter(
            case__organisation=organisation, referred_at__gte=since, referred_at__lt=until
        )
        .values_list("authority")
        .annotate(n=Count("id"))
        .values_list("authority", "n")
    )
    victims = dict(
        VictimReferral.objects.filter(
            case__organisation=organisation, recorded_at__gte=since, recorded_at__lt=until
        )
        .values_list("consent_by")
        .annotate(n=Count("id"))
        .values_list("consent_by", "n")
    )
    return {
        "cases_opened": {
            "total": sum(opened.values()),
            "by_source": {s: opened.get(s, 0) for s in ("report", "notice", "hash_match")},
        },
        "classification": _classification(organisation, since, until),
        "content_actions": by_ground(CONTENT_KINDS),
        "account_actions": by_ground(ACCOUNT_KINDS),
        "referrals": {a: referred.get(a, 0) for a in Authority.values},
        "victim_referrals": {
            "referred_with_consent": victims.get("child", 0) + victims.get("carer", 0),
            "help_information_only": victims.get("none", 0),
        },
    }


def _classification(organisation: Organisation, since: datetime, until: datetime) -> dict[str, Any]:
    """Cases opened in the period by the desk's classification (issue #16, item 9): one grouped
    query; cases not classified yet are counted as such, never guessed from the reporter's
    category."""
    rows = list(
        Case.objects.filter(organisation=organisation, opened_at__gte=since, opened_at__lt=until)
        .values_list("legal_assessment", "content_type", "age_band")
        .annotate(n=Count("id"))
        .values_list("legal_assessment", "content_type", "age_band", "n")
    )

    def count(position: int, choices: type[models.TextChoices]) -> dict[str, int]:
        return {value: sum(r[3] for r in rows if r[position] == value) for value in choices.values}

    return {
        "classified": sum(r[3] for r in rows if r[0]),
        "not_classified": sum(r[3] for r in rows if not r[0]),
        "legal_assessment": count(0, LegalAssessment),
        "content_type": count(1, ContentType),
        "age_band": count(2, AgeBand),
    }


def response_times(
    organisation: Organisation, since: datetime, until: datetime, dimension: str
) -> dict[str, dict[str, Any]]:
    """Median and 90th percentile hours from each report or notice item received in
    [since, until) to its case's first action and to its closure, grouped by `dimension`
    ("all", "channel" or "category"). A report that joined a case after it was acted on counts
    zero hours; cases not yet acted on or closed are left out of that measure."""
    key = {"all": "'all'", "channel": "channel", "category": "category"}[dimension]
    reports, links, cases = (
        Report._meta.db_table,
        CaseReport._meta.db_table,
        Case._meta.db_table,
    )
    notices, items = Notice._meta.db_table, NoticeItem._meta.db_table
    # Table names and expressions are fixed here; every value goes in as a parameter.
    rows = (
        "SELECT r.channel AS channel, c.category AS category, r.received_at AS received, "
        f"c.first_action_at AS first_at, c.closed_at AS closed_at FROM {reports} r "
        f"JOIN {links} cr ON cr.report_id = r.id JOIN {cases} c ON c.id = cr.case_id "
        "WHERE r.organisation_id = %s AND r.received_at >= %s AND r.received_at < %s "
        "UNION ALL "
        "SELECT 'notice', c.category, n.received_at, c.first_action_at, c.closed_at "
        f"FROM {items} i JOIN {notices} n ON n.id = i.notice_id JOIN {cases} c ON c.id = i.case_id "
        "WHERE n.organisation_id = %s AND n.received_at >= %s AND n.received_at < %s"
    )
    params = [organisation.pk, db_datetime(since), db_datetime(until)] * 2
    result: dict[str, dict[str, Any]] = {}
    for measure, column in (("first_action", "first_at"), ("final_action", "closed_at")):
        hours = hours_between(f"t.{column}", "t.received")
        stats = grouped_percentiles(
            f"SELECT {key} AS k, CASE WHEN {hours} < 0 THEN 0 ELSE {hours} END AS h "
            f"FROM ({rows}) t WHERE t.{column} IS NOT NULL",
            params,
        )
        for name, stat in stats.items():
            result.setdefault(name, {})[measure] = stat
    for measures in result.values():
        for measure in ("first_action", "final_action"):
            measures.setdefault(measure, {"n": 0})
    return result


def decisions_between(
    organisation: Organisation, since: datetime, until: datetime
) -> Iterator[tuple[Decision, list[str]]]:
    """Decisions made in [since, until), each with the authorities its case was referred to."""
    decisions = (
        Decision.objects.filter(
            organisation=organisation, decided_at__gte=since, decided_at__lt=until
        )
        .select_related("case", "organisation")
        .order_by("decided_at", "id")
    )
    referred: dict[int, list[str]] = {}
    for case_id, authority in AuthorityReferral.objects.filter(
        case__organisation=organisation, case__in=decisions.values("case_id")
    ).values_list("case_id", "authority"):
        referred.setdefault(case_id, []).append(authority)
    for decision in decisions.iterator(chunk_size=2000):
        yield decision, sorted(set(referred.get(decision.case_id, [])))
