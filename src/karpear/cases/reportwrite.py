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

import re
from contextlib import nullcontext
from functools import lru_cache
from typing import Any

from django.db import connection, transaction

from karpear.cases.intake import case_ctes_params, case_ctes_sql, group_keys
from karpear.cases.models import CaseReport, State
from karpear.cases.workflow import PUBLIC_STATUS
from karpear.core.rows import InsertPlan, columns, fetch_optional
from karpear.orgs.models import Organisation
from karpear.platformlink.models import PlatformLink
from karpear.reports.models import Report
from karpear.reports.services import (
    REPORT_AND_ITEM_IDS,
    REPORT_VALUES,
    group_keys_of,
    report_items_cte,
    report_items_params,
    stored_report_only,
)


def _status_sql() -> str:
    """The report's public status from its case's state (cases.workflow.PUBLIC_STATUS), as
    SQL literals: the states and statuses are the code's own identifiers, never input."""
    whens = []
    for state, status in PUBLIC_STATUS.items():
        pair = (State(state).value, status.value)
        if not all(_IDENTIFIER.fullmatch(v) for v in pair):
            raise ValueError(f"not an identifier: {pair}")
        whens.append("WHEN '{}' THEN '{}'".format(*pair))
    return f"CASE c.state {' '.join(whens)} END"


_IDENTIFIER = re.compile("[a-z_]+")


def report_and_case_write(
    *, values: dict[str, Any], rows: list[dict[str, Any]], organisation: Organisation
) -> Report | None:
    """Write the report (`values`, its Report fields), its items (`rows`) and its case in
    one statement on PostgreSQL, and return the report as stored; None, with nothing
    written, elsewhere, when the organisation has a platform link, or when another
    transaction opened the case while the statement ran (the caller then takes the
    transactional path, which joins it).

    Raises IntegrityError like the ORM (a reference or an Idempotency-Key met twice): the
    statement is rolled back whole. The statement's text depends only on the number of
    items and keys (`_statement`, cached); each report sends only its parameters.
    """
    if connection.vendor != "postgresql":
        return None
    keys = group_keys(
        group_keys_of(
            values.get("platform_content_id", ""),
            [
                (
                    r.get("normalised_url_sha256", ""),
                    r.get("app_name", ""),
                    r.get("account_name", ""),
                )
                for r in rows
            ],
        )
    )
    now = values["received_at"]
    org = organisation.pk
    case_params = case_ctes_params(
        organisation_id=org,
        keys=keys,
        category=values["category"],
        now=now,
        reference=values["reference"],
    )
    params = [
        org,
        *case_params,
        *_REPORT_PLAN.params(values),
        *report_items_params(rows),
        *_LINK_PLAN.params({"channel": values["channel"], "joined_at": now}),
    ]
    # Inside a caller's transaction (a test, a command), a savepoint: a clash rolls back this
    # statement only. Otherwise none: the statement commits on its own.
    with transaction.atomic() if connection.in_atomic_block else nullcontext():
        stored = fetch_optional(_statement(len(rows), len(keys)), params)
    if stored is None:
        return None  # a platform link, or a case opened meanwhile: nothing was written
    return stored_report_only(stored, organisation)


_GUARD = "(SELECT go FROM unlinked)"
_REPORT_PLAN = InsertPlan(Report, REPORT_VALUES, {"status": _status_sql()})
_LINK_PLAN = InsertPlan(
    CaseReport, ("channel", "joined_at"), {"case_id": "c.id", "report_id": "r.id"}
)


@lru_cache(maxsize=64)
def _statement(item_count: int, key_count: int) -> str:
    """The statement's text for `item_count` items and `key_count` keys."""
    links = PlatformLink._meta.db_table
    guard = f"NOT EXISTS (SELECT 1 FROM {links} WHERE organisation_id = %s)"  # noqa: S608
    ctes = case_ctes_sql(key_count, _GUARD)
    return f"""
    WITH unlinked AS (SELECT {guard} AS go), {ctes}, r AS (
        INSERT INTO {Report._meta.db_table} ({_REPORT_PLAN.columns})
        SELECT {_REPORT_PLAN.selects} FROM c RETURNING {columns(Report)}
    ){report_items_cte(item_count)}, joined_report AS (
        INSERT INTO {CaseReport._meta.db_table} ({_LINK_PLAN.columns})
        SELECT {_LINK_PLAN.selects} FROM c, r
    )
    {REPORT_AND_ITEM_IDS}
    """  # noqa: S608
