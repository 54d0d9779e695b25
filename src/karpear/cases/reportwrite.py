"""A report, its items and its case in one autocommitted statement (issue #24).

report_submit used to write the report (one statement), then the cases receiver joined or
opened its case (another), inside BEGIN … COMMIT: four round trips to PostgreSQL for each
report of a surge. Here one data-modifying statement does all of it: the case is found
(locked FOR UPDATE) or opened with its SLA and "opened" event, the report is inserted with
the public status of the case it joins, its items and the case link follow. Outside a
transaction the statement commits on its own before it returns, so the durability is the
same: the reporter gets the reference only after COMMIT, and a report never exists without
its case (one statement is one transaction).

Isolation on receipt (cases/receipt.py) writes more in the same transaction when the
organisation has a platform link. The statement therefore writes nothing when a link exists
(its guard) and report_submit takes the transactional path instead: one wasted read for those
organisations, none for the others. It writes nothing either when a simultaneous first
report or notice opened the case meanwhile (`case_ctes`: the index one_open_case_per_content);
the transactional path then joins that case. Registered from CasesConfig.ready, since reports do not
import cases (reports/signals.py, `register_report_writer`).
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from django.db import connection, transaction

from karpear.cases.intake import case_ctes, group_keys
from karpear.cases.models import CaseReport, State
from karpear.cases.workflow import PUBLIC_STATUS
from karpear.core.rows import columns, fetch_optional, insert_parts
from karpear.orgs.models import Organisation
from karpear.platformlink.models import PlatformLink
from karpear.reports.models import Report, ReportedItem
from karpear.reports.services import (
    REPORT_AND_ITEM_IDS,
    report_group_keys,
    report_items_cte,
    stored_report,
)


def _status_sql() -> tuple[str, list[Any]]:
    """The report's public status from its case's state (cases.workflow.PUBLIC_STATUS)."""
    whens = " ".join("WHEN %s THEN %s" for _state in PUBLIC_STATUS)
    params: list[Any] = []
    for state, status in PUBLIC_STATUS.items():
        params += [State(state).value, status.value]
    return f"CASE c.state {whens} END", params


def report_and_case_write(
    *, values: dict[str, Any], rows: list[dict[str, Any]], organisation: Organisation
) -> tuple[Report, list[ReportedItem]] | None:
    """Write the report (`values`, its Report fields), its items (`rows`) and its case in
    one statement on PostgreSQL; None, with nothing written, elsewhere, when the
    organisation has a platform link, or when another transaction opened the case while the
    statement ran (the caller then takes the transactional path, which joins it).

    Raises IntegrityError like the ORM (a reference or an Idempotency-Key met twice): the
    statement is rolled back whole.
    """
    if connection.vendor != "postgresql":
        return None
    draft = Report(**values)
    keys = group_keys(report_group_keys(draft, [ReportedItem(**r) for r in rows]))
    now = values["received_at"]
    org = organisation.pk
    links = PlatformLink._meta.db_table
    guard = f"NOT EXISTS (SELECT 1 FROM {links} WHERE organisation_id = %s)"  # noqa: S608
    ctes, params = case_ctes(
        organisation_id=org,
        keys=keys,
        category=values["category"],
        now=now,
        reference=values["reference"],
        guard="(SELECT go FROM unlinked)",
    )
    report_cols, report_selects, report_params = insert_parts(
        Report, values, {"status": _status_sql()}
    )
    items_cte, item_params = report_items_cte(rows)
    link_cols, link_selects, link_params = insert_parts(
        CaseReport,
        {"channel": values["channel"], "joined_at": now},
        {"case_id": "c.id", "report_id": "r.id"},
    )
    sql = f"""
    WITH unlinked AS (SELECT {guard} AS go), {ctes}, r AS (
        INSERT INTO {Report._meta.db_table} ({report_cols})
        SELECT {report_selects} FROM c RETURNING {columns(Report)}
    ){items_cte}, joined_report AS (
        INSERT INTO {CaseReport._meta.db_table} ({link_cols}) SELECT {link_selects} FROM c, r
    )
    {REPORT_AND_ITEM_IDS}
    """  # noqa: S608
    # Inside a caller's transaction (a test, a command), a savepoint: a clash rolls back this
    # statement only. Otherwise none: the statement commits on its own.
    with transaction.atomic() if connection.in_atomic_block else nullcontext():
        stored = fetch_optional(sql, [org, *params, *report_params, *item_params, *link_params])
    if stored is None:
        return None  # a platform link, or a case opened meanwhile: nothing was written
    return stored_report(stored, rows, organisation)
