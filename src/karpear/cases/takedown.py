"""Takedown at once of items on authenticated notices and hash matches, in few statements.

Box on agency roles (guidelines 2.6): "act immediately on any Takedown Notice … effect the
takedown of the material, and preserve the material along with any user data". This is the
same work as the older per-item path did (`case_open_for_content` + a takedown: a case opened
or joined at the top of the queue and isolated, an isolate decision, a preserve request once per
case, the timeline, the webhooks and the audit entries), written with one statement per table
for the whole list instead of a dozen per item (issue #24): a notice with one item, a notice with
a thousand, or a batch of notices cost the same dozen round trips inside the transaction that
commits before the issuer is answered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, models, transaction

from karpear.audit.services import AuditIn, LockedHead, audit_head_lock_sql, audit_record_many
from karpear.cases.intake import ON_OPEN_CONFLICT, OPEN_ATTEMPTS, group_keys, sla_minutes
from karpear.cases.models import Case, CaseEvent, Decision, DecisionKind, Ground, SlaPolicy, State
from karpear.cases.workflow import PUBLIC_STATUS
from karpear.core.inserts import json_insert, next_ids_sql
from karpear.core.rows import columns, fetch_all, fetch_one, from_row, mark_saved
from karpear.orgs.models import Organisation
from karpear.platformlink.models import WebhookEvent
from karpear.platformlink.services import event_build, events_enqueue
from karpear.reports.services import report_set_status

# What a notice's case is opened as: the notice says what it is (guidelines 2.6).
NOTICE_CATEGORY = "sexual_image"


@dataclass(frozen=True)
class Takedown:
    """One item a notice orders taken down.

    `keys` group it with an open case about the same content (`content:…`, `url:…`; a new
    case is keyed by the first); `content` tells the platform what to isolate; `opened` is the
    detail of the case's "opened" event when this item opens it, and `source` the case's
    source ("notice", "hash_match"). `preserve=False` when the caller keeps the content in
    the vault itself (a hash check's upload): the platform is not asked to preserve it.
    """

    keys: list[str]
    legal_basis: str
    notice_label: str
    content: dict[str, list[str]]
    opened: dict[str, Any] = field(default_factory=dict)
    source: str = "notice"
    preserve: bool = True


@dataclass(frozen=True)
class TakenDown:
    case: Case
    decision: Decision


def _first_open(cases: dict[str, Case], keys: list[str], rank: dict[int, int]) -> Case | None:
    """The case `case_open_for_content` would pick: the lowest id among the keys' cases
    (cases planned in this call come after every existing one, in the order planned)."""
    found = [cases[k] for k in keys if k in cases]
    return min(found, key=lambda c: rank[id(c)]) if found else None


@transaction.atomic(savepoint=False)  # part of the notice's transaction: no savepoint
def case_takedowns_by_notice(
    *,
    organisation: Organisation,
    takedowns: Sequence[Takedown],
    at: datetime,
    audit_also: Sequence[AuditIn] = (),
    rows_also: Callable[[list[TakenDown]], Sequence[models.Model]] | None = None,
) -> list[TakenDown]:
    """Open or join a case for each item and isolate it at once; one result per takedown.

    1. Lock every open case with any of the items' keys (SELECT … FOR UPDATE, one statement),
       so concurrent notices and reports about one piece of content join one case and the
       values read here stay true until COMMIT. On PostgreSQL the same statement reads the
       SLA and draws the new cases' and decisions' ids from their sequences.
    2. Items without an open case open one: created already isolated, at the top of the queue
       and with its preservation asked for (the state the per-item path reached in three
       more statements), with the SLA looked up once.
    3. New cases, decisions, timeline events, webhooks (preserve request before the isolate,
       per case) and the caller's `rows_also` (given the results: a notice's items) are one
       statement on PostgreSQL (`_insert_all_or_nothing`), one INSERT each elsewhere. If
       another transaction opened a case with a new case's key since step 1 (the index
       `one_open_case_per_content`), that statement writes nothing and steps 1-3 run again,
       joining that case: nothing else was written before, so the second plan is whole.
    4. Joined cases move to "content isolated" if not yet acted on, go to the top of the queue
       and ask for preservation unless it was asked for or done: one UPDATE per joined case
       (its row locked since step 1). Then the audit entries (each decision, then
       `audit_also`, the caller's own, under one head lock, last, so it is held briefly).
       Everything is in the caller's transaction: no one can see a case without its
       timeline, webhooks and audit entries.
    """
    if not takedowns:
        _insert(list(rows_also([])) if rows_also else [])
        audit_record_many(audit_also)
        return []
    pg = connection.vendor == "postgresql"
    head: LockedHead | None = None
    for _attempt in range(OPEN_ATTEMPTS):
        existing, new, chosen, decision_ids = _choose_cases(organisation, takedowns, at)
        moved_from = {id(c): c.state for c in existing}
        events, preserve = _walk(takedowns, chosen, new, at)
        if not pg:
            Case.objects.bulk_create(new)
        decisions = [
            Decision(
                pk=pk,
                case=case,
                organisation_id=organisation.pk,
                kind=DecisionKind.CONTENT_ISOLATE,
                ground=Ground.LAW,
                clause=_clause(t)[:200],
                decided_at=at,
            )
            for t, case, pk in zip(takedowns, chosen, decision_ids, strict=True)
        ]
        if not pg:
            Decision.objects.bulk_create(decisions)
        timeline = [_bound(case, event) for case, event in events]
        done = [TakenDown(case=c, decision=d) for c, d in zip(chosen, decisions, strict=True)]
        # The rows events_enqueue would write (outbox), in list order: each case's preserve
        # request before its isolate.
        webhooks = _webhooks(organisation, takedowns, done, preserve)
        also = list(rows_also(done)) if rows_also else []
        if not pg:
            CaseEvent.objects.bulk_create(timeline)
            events_enqueue(webhooks)
            _insert(also)
            break
        written, head = _insert_all_or_nothing(new, decisions, timeline, webhooks, also)
        if written:
            break
        # Another transaction opened a case with one of the new keys meanwhile (step 3):
        # nothing was written; plan again, now seeing (and joining) its case.
    else:
        raise LookupError("no open case could be opened or joined")
    joined = {id(c) for c in chosen} - {id(c) for c in new}
    for case in existing:
        if id(case) in joined:
            _save_joined(case, moved=case.state != moved_from[id(case)])
    audit_record_many(
        [
            *(
                AuditIn(
                    action="decision",
                    organisation=organisation,
                    actor_label="system",
                    object_type="case",
                    object_id=case.pk,
                    detail={
                        "kind": DecisionKind.CONTENT_ISOLATE,
                        "ground": Ground.LAW,
                        "clause": _clause(t),
                        "account": "",
                        "ends_at": None,
                        "confirmed_by": None,
                    },
                )
                for t, case in zip(takedowns, chosen, strict=True)
            ),
            *audit_also,
        ],
        head=head,
    )
    return done


def _insert_all_or_nothing(
    new: list[Case], *groups: Sequence[models.Model]
) -> tuple[bool, LockedHead | None]:
    """Step 3 on PostgreSQL: every row in one statement (`core.inserts.json_insert`), with
    the new cases inserted ON CONFLICT on the index `one_open_case_per_content`. If another
    transaction opened a case with one of their keys since step 1 (two first notices, or a
    notice and a report, about one link), that INSERT waits for it and skips the row, and then
    nothing at all is written (every other INSERT is guarded by the count): (False, None), and
    the caller plans again. New cases go in key order, so two notices with several new keys
    wait in one order.

    When everything was written, the same statement also locks the audit chain's head and
    reads it (`audit.services.audit_head_lock_sql`, passed on to `audit_record_many`): one
    round trip less per notice (issue #24, u1). The lock order holds: the case rows were
    locked in step 1, this statement only inserts new rows besides, and the head is locked
    last; a statement whose cases yielded takes no lock, so the plan made again does not lock
    case rows while holding the head."""
    parts: list[str] = []
    params: list[Any] = []
    expected = 0
    if new:
        rows = sorted(new, key=lambda c: c.group_key)
        case_sql, params = json_insert(rows)
        parts.append(f"w0 AS ({case_sql} {ON_OPEN_CONFLICT} RETURNING 1)")
        expected = len(rows)
    for group in groups:
        if group:
            sql, columns = json_insert(group)
            if new:
                sql = f"{sql} WHERE (SELECT count(*) FROM w0) = %s"  # noqa: S608 - no value
                columns = [*columns, expected]
            parts.append(f"w{len(parts) + 1} AS ({sql})")  # w0: the new cases
            params += columns
    written = "(SELECT count(*) FROM w0) = %s" if new else "TRUE"
    lock = audit_head_lock_sql(written)
    parts.append(f"h AS ({lock})")
    if new:
        params.append(expected)
    # Only model table and column names and placeholders are formatted in: no value.
    counted = "(SELECT count(*) FROM w0)" if new else "0"
    statement = (
        f"WITH {', '.join(parts)} SELECT {counted}, h.last_hash, h.count "  # noqa: S608
        "FROM (SELECT 1) AS one LEFT JOIN h ON TRUE"
    )
    inserted, last_hash, count = fetch_one(statement, params)
    if inserted != expected:
        return False, None
    for group in (new, *groups):
        mark_saved(group)
    # No head row yet (a database that has never audited): audit_record_many creates it.
    return True, None if last_hash is None else LockedHead(last_hash, count)


def _insert(rows: Sequence[models.Model]) -> None:
    """The caller's own rows (a notice's items), one INSERT per model, in order."""
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row)
    for model, group in by_model.items():
        model._default_manager.bulk_create(group)


def _clause(takedown: Takedown) -> str:
    return takedown.legal_basis or takedown.notice_label


def _choose_cases(
    organisation: Organisation, takedowns: Sequence[Takedown], at: datetime
) -> tuple[list[Case], list[Case], list[Case], list[int | None]]:
    """(the open cases locked, the cases to open, the case of each takedown, the decisions'
    ids): steps 1-2. New cases and decisions have their ids on PostgreSQL (None elsewhere:
    the INSERT gives them)."""
    fitted = [group_keys(t.keys) for t in takedowns]  # as stored (long ids as digests)
    keys = sorted({k for ks in fitted for k in ks})
    if connection.vendor == "postgresql":
        existing, sla, case_ids, decision_ids = _lock_pg(organisation, keys, len(takedowns))
    else:
        existing = list(
            Case.objects.select_for_update()
            .filter(organisation_id=organisation.pk, group_key__in=keys)
            .exclude(state=State.CLOSED)
            .order_by("id")
        )
        sla, case_ids, decision_ids = None, [], [None] * len(takedowns)
    by_key: dict[str, Case] = {}
    rank: dict[int, int] = {}
    for case in existing:
        by_key.setdefault(case.group_key, case)
        rank[id(case)] = len(rank)
        case.organisation = organisation  # the caller's row: no lazy query later
    new: list[Case] = []
    chosen: list[Case] = []
    for takedown, takedown_keys in zip(takedowns, fitted, strict=True):
        found = _first_open(by_key, takedown_keys, rank)
        if found is None:
            found = Case(
                pk=case_ids[len(new)] if case_ids else None,
                organisation=organisation,
                category=NOTICE_CATEGORY,
                group_key=takedown_keys[0],
                opened_at=at,
                source=takedown.source,
                priority=1,
                version=0,
            )
            by_key[takedown_keys[0]] = found
            rank[id(found)] = len(rank)
            new.append(found)
        chosen.append(found)
    if new:
        review, action = sla or sla_minutes(organisation, NOTICE_CATEGORY)
        for case in new:
            case.review_due_at = case.next_due_at = at + timedelta(minutes=review)
            case.action_due_at = at + timedelta(minutes=action)
    return existing, new, chosen, decision_ids


def _lock_pg(
    organisation: Organisation, keys: list[str], count: int
) -> tuple[list[Case], tuple[int, int], list[int], list[int | None]]:
    """Step 1 on PostgreSQL in one statement (issue #24): (the open cases with any of `keys`,
    locked FOR UPDATE in id order; the SLA minutes for a notice's category, as `sla_minutes`
    reads them; `count` new case ids and `count` decision ids from their sequences). Ids of
    cases not opened after all (items joining a case) are left unused, like a rolled-back
    INSERT's: case numbers may skip."""
    table = Case._meta.db_table
    marks = ", ".join(["%s"] * len(keys))
    # Only model table and column names and placeholders are formatted in: no value.
    sql = f"""
    WITH locked AS (
        SELECT {columns(Case)} FROM {table}
        WHERE organisation_id = %s AND group_key IN ({marks}) AND state <> %s
        ORDER BY id FOR UPDATE
    ), sla AS (
        SELECT COALESCE(p.review_minutes, 60) AS review,
               COALESCE(p.action_minutes, 1440) AS action
        FROM (SELECT 1) AS one LEFT JOIN (
            SELECT review_minutes, action_minutes FROM {SlaPolicy._meta.db_table}
            WHERE organisation_id = %s AND category IN (%s, '')
            ORDER BY category = '' LIMIT 1
        ) AS p ON true
    ), ids AS MATERIALIZED (
        SELECT {next_ids_sql(Case)} AS cases, {next_ids_sql(Decision)} AS decisions
    )
    SELECT sla.review, sla.action, ids.cases, ids.decisions, locked.*
    FROM sla CROSS JOIN ids LEFT JOIN locked ON true ORDER BY locked.id
    """  # noqa: S608
    params: list[Any] = [organisation.pk, *keys, State.CLOSED.value]
    params += [organisation.pk, NOTICE_CATEGORY, count, count]
    rows = fetch_all(sql, params)
    first = rows[0]
    existing = [from_row(Case, row[4:]) for row in rows if row[4] is not None]
    return existing, (first[0], first[1]), list(first[2]), list(first[3])


def _walk(
    takedowns: Sequence[Takedown], chosen: list[Case], new: list[Case], at: datetime
) -> tuple[list[tuple[Case, CaseEvent]], dict[int, Takedown]]:
    """Step each case through its takedowns in order, as the per-item path did: the first
    takedown of a case moves it to "content isolated" and asks for preservation, every
    takedown is a decision and a version. (timeline events, id(case) -> the takedown that
    asked for preservation)."""
    events: list[tuple[Case, CaseEvent]] = []
    preserve: dict[int, Takedown] = {}
    fresh = {id(c) for c in new}
    for takedown, case in zip(takedowns, chosen, strict=True):
        if id(case) in fresh and not case.version:  # the takedown that opens it
            events.append(
                _event(case, "opened", at, to_state=State.RECEIVED, detail=takedown.opened)
            )
        from_state = State(case.state)
        if from_state in (State.RECEIVED, State.IN_REVIEW):
            case.state = State.ISOLATED
            case.first_action_at = case.first_action_at or at
            events.append(
                _event(
                    case,
                    "transition",
                    at,
                    from_state=from_state,
                    to_state=State.ISOLATED,
                    reason=takedown.notice_label,
                )
            )
        case.priority = max(case.priority, 1)
        case.version += 1
        events.append(
            _event(
                case,
                "decision",
                at,
                reason=_clause(takedown),
                detail={
                    "decision": DecisionKind.CONTENT_ISOLATE,
                    "ground": Ground.LAW,
                    "account": "",
                },
            )
        )
        if takedown.preserve and case.preserve_requested_at is None and case.preserved_at is None:
            case.preserve_requested_at = at
            preserve[id(case)] = takedown
            events.append(_event(case, "preserve_requested", at))
    return events, preserve


def _webhooks(
    organisation: Organisation,
    takedowns: Sequence[Takedown],
    done: list[TakenDown],
    preserve: dict[int, Takedown],
) -> list[WebhookEvent]:
    """Per takedown: the case's preserve request if this one asked, then the isolate."""
    webhooks = []
    for takedown, result in zip(takedowns, done, strict=True):
        case, decision = result.case, result.decision
        clause = _clause(takedown)[:200]
        if preserve.get(id(case)) is takedown:
            webhooks.append(
                event_build(
                    organisation_id=organisation.pk,
                    event_type="content.preserve",
                    data={"case_id": case.pk, "content": takedown.content, "reason": clause},
                    subject_type="case",
                    subject_id=case.pk,
                )
            )
        webhooks.append(
            event_build(
                organisation_id=organisation.pk,
                event_type="content.isolate",
                data={
                    "decision_id": decision.pk,
                    "case_id": case.pk,
                    "ground": Ground.LAW,
                    "clause": clause,
                    "content": takedown.content,
                },
                subject_type="decision",
                subject_id=decision.pk,
            )
        )
    return webhooks


def _event(case: Case, kind: str, at: datetime, **fields: Any) -> tuple[Case, CaseEvent]:
    """A timeline event for a case that may not have its id yet (bound after the insert)."""
    return case, CaseEvent(kind=kind, actor=None, at=at, **fields)


def _bound(case: Case, event: CaseEvent) -> CaseEvent:
    event.case = case
    return event


def _save_joined(case: Case, *, moved: bool) -> None:
    """Write a joined case's new values; its row is locked, so they are the current ones."""
    Case.objects.filter(pk=case.pk).update(
        state=case.state,
        first_action_at=case.first_action_at,
        priority=case.priority,
        version=case.version,
        preserve_requested_at=case.preserve_requested_at,
    )
    if moved and case.report_count:  # reporters see their case move (guidelines 2.6)
        report_ids = list(case.case_reports.values_list("report_id", flat=True))
        report_set_status(report_ids=report_ids, status=PUBLIC_STATUS[State(case.state)])
