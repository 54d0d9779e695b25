"""New reports, notices and hash matches become cases; SLA targets per category."""

from __future__ import annotations

import hashlib
from contextlib import nullcontext
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, connection, transaction
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
from karpear.core.rows import InsertPlan, columns, fetch_optional, from_row, insert_parts
from karpear.orgs.models import Organisation
from karpear.platformlink.models import PlatformLink
from karpear.reports.models import Report, ReportedItem
from karpear.reports.services import (
    report_group_keys,
    report_set_status,
)
from karpear.staff.models import Role, StaffMember

# ---------------------------------------------------------------- intake

GROUP_KEY_MAX = Case._meta.get_field("group_key").max_length or 80

# A new case's INSERT yields to an open case with the same key that another transaction
# opened meanwhile (the index `one_open_case_per_content`, cases/models.py): the caller then
# joins that case. Literal SQL: PostgreSQL matches the index by this predicate at planning.
ON_OPEN_CONFLICT = "ON CONFLICT (organisation_id, group_key) WHERE state <> 'closed' DO NOTHING"
# How often an open-or-join is tried: a second try meets the case that won; more tries are
# needed only if that case is closed in between, each time.
OPEN_ATTEMPTS = 5


def group_keys(keys: list[str]) -> list[str]:
    """`keys` as a case stores them: one longer than the column (a 200-character content ID,
    a long account name) becomes its kind and the SHA-256 of the whole key, so PostgreSQL
    does not refuse it where SQLite stored it, and every path that looks for the same
    content (reports, notices, hash matches, the desk's search) finds the same case."""
    return [
        key
        if len(key) <= GROUP_KEY_MAX
        else key.split(":", 1)[0][:8] + ":" + hashlib.sha256(key.encode()).hexdigest()
        for key in keys
    ]


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
    notices about one piece of content join one case; when there is none yet, the index
    `one_open_case_per_content` lets one of two simultaneous first ones open it and the
    other joins it. A notice raises the priority of the case it joins.
    """
    keys = group_keys(keys)
    for _attempt in range(OPEN_ATTEMPTS):
        case = (
            Case.objects.select_for_update()
            .filter(organisation_id=organisation.pk, group_key__in=keys)
            .exclude(state=State.CLOSED)
            .order_by("id")
            .first()
        )
        if case is not None:
            case.organisation = organisation  # the caller's row: no lazy query later (#24)
            if priority > case.priority:
                Case.objects.filter(pk=case.pk).update(priority=priority)
                case.priority = priority
            return case
        review, action = sla_minutes(organisation, category)
        try:
            # PostgreSQL aborts a transaction on a failed INSERT: a savepoint keeps the
            # caller's. SQLite fails the statement only, and serialises writers anyway.
            with transaction.atomic() if connection.vendor == "postgresql" else nullcontext():
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
        except IntegrityError:
            continue  # opened meanwhile by another transaction (one_open_case_per_content)
        CaseEvent.objects.create(
            case=case,
            kind="opened",
            to_state=State.RECEIVED,
            at=opened_at,
            actor=None,
            detail=detail or {},
        )
        return case
    raise LookupError("no open case could be opened or joined")


def case_open_or_join(*, report: Report, items: list[ReportedItem] | None = None) -> Case:
    """Put a new report into a case: the open case about the same content, or a new one.

    Runs inside report_submit's transaction (a signal receiver), so a report
    is never stored without its case.
    """
    return case_join_report(report=report, items=items)[0]


@transaction.atomic(savepoint=False)
def case_join_report(
    *, report: Report, items: list[ReportedItem] | None = None
) -> tuple[Case, bool | None]:
    """case_open_or_join, and whether the organisation has a platform link when that was
    read on the way (None: not known), which saves case_isolate_on_receipt a query.

    On PostgreSQL one statement does it all (`_open_or_join_pg`); the joined report's
    public status is written only when it differs from the "received" it was stored with.
    """
    now = report.received_at
    keys = group_keys(report_group_keys(report, items))
    linked: bool | None = None
    if connection.vendor == "postgresql":
        case, linked = _open_or_join_pg(report=report, keys=keys)
    else:
        case = case_open_for_content(
            organisation=report.organisation,
            keys=keys,
            category=report.category,
            opened_at=now,
            detail={"report": report.reference},
        )
        CaseReport.objects.create(case=case, report=report, channel=report.channel, joined_at=now)
        Case.objects.filter(pk=case.pk).update(report_count=F("report_count") + 1)
        case.report_count += 1
    # Whenever the case's public status is not the "received" the report was stored with:
    # a case a notice opened and isolated has no reporter yet (report_count was 0), and its
    # first reporter must still see "checking" (guidelines 2.6). A new case is "received".
    status = PUBLIC_STATUS[State(case.state)]
    if status != report.status:
        report_set_status(report_ids=[report.pk], status=status)
        report.status = status
    return case, linked


_CASE_VALUES = (
    "organisation_id",
    "category",
    "group_key",
    "opened_at",
    "source",
    "report_count",
    "review_due_at",
    "next_due_at",
    "action_due_at",
)
# The new case, its SLA from the CTE `sla`, and its "opened" event: the columns, select lists
# and parameter order are worked out once per process (issue #24, u2).
_CASE_PLAN = InsertPlan(
    Case,
    _CASE_VALUES,
    {
        "review_due_at": "%s + make_interval(mins => sla.review)",
        "next_due_at": "%s + make_interval(mins => sla.review)",
        "action_due_at": "%s + make_interval(mins => sla.action)",
    },
)
_EVENT_PLAN = InsertPlan(
    CaseEvent, ("kind", "to_state", "at", "actor_id", "detail"), {"case_id": "created.id"}
)


def case_ctes(
    *,
    organisation_id: int,
    keys: list[str],
    category: str,
    now: datetime,
    reference: str,
    guard: str = "true",
) -> tuple[str, list[Any]]:
    """The CTEs `found, joined, sla, created, c, opened` of the open-or-join statement.

    `c` is the case the report joins, whole: the oldest open case with one of `keys`,
    locked FOR UPDATE so concurrent reports about one item join one case (its report_count
    raised), else a new case with the organisation's SLA for the category (else its default
    row, else 60 min / 24 h) and its "opened" event naming `reference`. `guard`, an SQL
    condition, can stop the statement from writing anything (reportwrite.py).

    When another transaction opens a case with the same first key while this statement runs
    (two first reports at once: FOR UPDATE found nothing to lock), the INSERT waits for it on
    the index `one_open_case_per_content` and does nothing: `c` is empty and the statement
    writes nothing. Its snapshot predates that case, so the caller runs the statement again,
    which joins it (`_open_or_join_pg`; reportwrite.py falls back to the transactional path).

    The text depends only on the number of keys and `guard` (`case_ctes_sql`, cached); the
    parameters (`case_ctes_params`) are the keys, the organisation, the category and the new
    rows' values.
    """
    sql = case_ctes_sql(len(keys), guard)
    params = case_ctes_params(
        organisation_id=organisation_id,
        keys=keys,
        category=category,
        now=now,
        reference=reference,
    )
    return sql, params


def case_ctes_params(
    *, organisation_id: int, keys: list[str], category: str, now: datetime, reference: str
) -> list[Any]:
    """The parameters of `case_ctes_sql(len(keys), guard)`, in order."""
    case_params = _CASE_PLAN.params(
        {
            "organisation_id": organisation_id,
            "category": category or "other",
            "group_key": keys[0],
            "opened_at": now,
            "source": "report",
            "report_count": 1,
            "review_due_at": now,
            "next_due_at": now,
            "action_due_at": now,
        }
    )
    event_params = _EVENT_PLAN.params(
        {
            "kind": "opened",
            "to_state": State.RECEIVED.value,
            "at": now,
            "actor_id": None,
            "detail": {"report": reference},
        }
    )
    params: list[Any] = [organisation_id, *keys, State.CLOSED.value, organisation_id, category]
    return params + case_params + event_params


@lru_cache(maxsize=64)
def case_ctes_sql(key_count: int, guard: str) -> str:
    """case_ctes' text for `key_count` keys. Only model table and column names and
    placeholders are formatted in: no value. The keys are one placeholder each (a list
    parameter cost more to send than the statement to run)."""
    table = Case._meta.db_table
    marks = ", ".join(["%s"] * key_count)
    return f"""
    found AS (
        SELECT id FROM {table}
        WHERE {guard} AND organisation_id = %s AND group_key IN ({marks}) AND state <> %s
        ORDER BY id LIMIT 1 FOR UPDATE
    ), joined AS (
        UPDATE {table} SET report_count = {table}.report_count + 1 FROM found
        WHERE {table}.id = found.id RETURNING {columns(Case, table)}
    ), sla AS (
        SELECT COALESCE(p.review_minutes, 60) AS review,
               COALESCE(p.action_minutes, 1440) AS action
        FROM (SELECT 1) AS one LEFT JOIN (
            SELECT review_minutes, action_minutes FROM {SlaPolicy._meta.db_table}
            WHERE organisation_id = %s AND category IN (%s, '')
            ORDER BY category = '' LIMIT 1
        ) AS p ON true
    ), created AS (
        INSERT INTO {table} ({_CASE_PLAN.columns}) SELECT {_CASE_PLAN.selects} FROM sla
        WHERE {guard} AND NOT EXISTS (SELECT 1 FROM found)
        {ON_OPEN_CONFLICT} RETURNING {columns(Case)}
    ), c AS (
        SELECT * FROM joined UNION ALL SELECT * FROM created
    ), opened AS (
        INSERT INTO {CaseEvent._meta.db_table} ({_EVENT_PLAN.columns})
        SELECT {_EVENT_PLAN.selects} FROM created
    )"""  # noqa: S608


def _open_or_join_pg(*, report: Report, keys: list[str]) -> tuple[Case, bool]:
    """case_open_for_content + CaseReport + report_count in one statement (issue #24).

    The same rules (`case_ctes`). The case row comes back whole, with whether the
    organisation has a platform link (read in the same statement for
    case_isolate_on_receipt). No row: another transaction opened the case meanwhile and has
    committed (`case_ctes`); the statement, run again with a new snapshot, joins it.
    """
    now = report.received_at
    org = report.organisation_id
    ctes, params = case_ctes(
        organisation_id=org,
        keys=keys,
        category=report.category,
        now=now,
        reference=report.reference,
    )
    link_cols, link_selects, link_params = insert_parts(
        CaseReport,
        {"report_id": report.pk, "channel": report.channel, "joined_at": now},
        {"case_id": "c.id"},
    )
    sql = f"""
    WITH {ctes}, joined_report AS (
        INSERT INTO {CaseReport._meta.db_table} ({link_cols}) SELECT {link_selects} FROM c
    )
    SELECT c.*, EXISTS(
        SELECT 1 FROM {PlatformLink._meta.db_table} WHERE organisation_id = %s
    ) FROM c
    """  # noqa: S608
    for _attempt in range(OPEN_ATTEMPTS):
        row = fetch_optional(sql, params + link_params + [org])
        if row is not None:
            break
    else:
        raise LookupError("no open case could be opened or joined")
    case: Case = from_row(Case, row[:-1])
    case.organisation = report.organisation  # the caller's row: no lazy query later
    return case, bool(row[-1])


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
