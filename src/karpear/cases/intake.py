"""New reports, notices and hash matches become cases; SLA targets per category."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.cases.models import (
    Case,
    CaseEvent,
    CaseReport,
    SlaPolicy,
    State,
)
from karpear.cases.workflow import PUBLIC_STATUS
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.reports.models import Report, ReportedItem
from karpear.reports.services import (
    report_group_keys,
    report_set_status,
)
from karpear.staff.models import Role, StaffMember

# ---------------------------------------------------------------- intake


def sla_minutes(organisation: Organisation, category: str) -> tuple[int, int]:
    policies = {
        p.category: p
        for p in SlaPolicy.objects.filter(organisation=organisation, category__in=[category, ""])
    }
    policy = policies.get(category) or policies.get("")
    if policy is None:
        return 60, 24 * 60
    return policy.review_minutes, policy.action_minutes


@transaction.atomic(savepoint=False)  # part of the caller's transaction: no savepoint
def case_open_for_content(
    *,
    organisation: Organisation,
    keys: list[str],
    category: str,
    opened_at: datetime,
    source: str = "report",
    priority: int = 0,
    detail: dict[str, Any] | None = None,
) -> Case:
    """The open case about this content (any of `keys`), or a new one.

    Lock: the matching open case row FOR UPDATE, so concurrent reports or
    notices about one piece of content join one case. A notice raises the
    priority of the case it joins.
    """
    case = (
        Case.objects.select_for_update()
        .filter(organisation_id=organisation.pk, group_key__in=keys)
        .exclude(state=State.CLOSED)
        .order_by("id")
        .first()
    )
    if case is None:
        review, action = sla_minutes(organisation, category)
        case = Case.objects.create(
            organisation=organisation,
            category=category or "other",
            group_key=keys[0],
            opened_at=opened_at,
            source=source,
            priority=priority,
            review_due_at=opened_at + timedelta(minutes=review),
            action_due_at=opened_at + timedelta(minutes=action),
            next_due_at=opened_at + timedelta(minutes=review),
        )
        CaseEvent.objects.create(
            case=case,
            kind="opened",
            to_state=State.RECEIVED,
            at=opened_at,
            actor=None,
            detail=detail or {},
        )
    else:
        case.organisation = organisation  # the caller's row: no lazy query later (issue #24)
        if priority > case.priority:
            Case.objects.filter(pk=case.pk).update(priority=priority)
            case.priority = priority
    return case


@transaction.atomic(savepoint=False)
def case_open_or_join(*, report: Report, items: list[ReportedItem] | None = None) -> Case:
    """Put a new report into a case: the open case about the same content, or a new one.

    Runs inside report_submit's transaction (a signal receiver), so a report
    is never stored without its case.
    """
    now = report.received_at
    case = case_open_for_content(
        organisation=report.organisation,
        keys=report_group_keys(report, items),
        category=report.category,
        opened_at=now,
        detail={"report": report.reference},
    )
    CaseReport.objects.create(case=case, report=report, channel=report.channel, joined_at=now)
    if case.report_count:  # joined an existing case: the reporter sees its status
        report_set_status(report_ids=[report.pk], status=PUBLIC_STATUS[State(case.state)])
    Case.objects.filter(pk=case.pk).update(report_count=F("report_count") + 1)
    case.report_count += 1
    return case


@transaction.atomic
def sla_policy_set(
    *,
    member: StaffMember,
    values: dict[str, tuple[int | None, int | None]],
    request: HttpRequest | None = None,
) -> None:
    """Set SLA targets per category (minutes); empty rows fall back to the default row.

    Applies to cases opened from now on; open cases keep the deadlines they
    were given, so a change can never make a case silently on time.
    """
    if member.role != Role.LEAD:
        raise ApplicationError(
            _("Only the safeguarding lead can change SLA targets."), code="forbidden", status=403
        )
    limit = 30 * 24 * 60
    for category, (review, action) in values.items():
        if category and review is None and action is None:
            continue
        if review is None or action is None or not (1 <= review <= action <= limit):
            raise ApplicationError(
                _(
                    "Each target needs two whole numbers of minutes, review "
                    "no longer than action, at most 30 days."
                )
            )
    for category, (review, action) in values.items():
        if review is None or action is None:
            SlaPolicy.objects.filter(organisation=member.organisation, category=category).delete()
            continue
        SlaPolicy.objects.update_or_create(
            organisation=member.organisation,
            category=category,
            defaults={"review_minutes": review, "action_minutes": action},
        )
    audit_record(
        action="settings_change",
        organisation=member.organisation,
        actor=member.user,
        object_type="sla",
        detail={"values": values},
        request=request,
    )


def sla_targets(organisation: Organisation) -> tuple[int, int]:
    """The default review and action targets in minutes (for drafted policies, checklist 29)."""
    return sla_minutes(organisation, "")
