"""Rows of several tables in one statement on PostgreSQL (issue #24: notice intake).

A notice's takedown writes cases, decisions, timeline events, webhooks and the notice's items,
inside the transaction that must commit before the issuer is answered; one bulk INSERT per
table is one round trip each. On PostgreSQL they go as ONE statement of data-modifying CTEs,
each table's rows as one JSON parameter (`json_insert`), so the text depends only on the
models and is prepared once per connection (`core.rows`).
Nothing comes back: rows that others point at get their primary key beforehand, from the same
sequence the column's default draws on (`next_ids_sql`), in the statement that locks the cases.
PostgreSQL checks Django's foreign keys at COMMIT (DEFERRABLE INITIALLY DEFERRED), so the CTEs'
order does not matter. Elsewhere (SQLite, for development) callers keep `bulk_create`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connections, models
from psycopg.types.json import Json, Jsonb

__all__ = ["json_insert", "next_ids_sql"]


def next_ids_sql(model: type[models.Model]) -> str:
    """An array of `%s` new primary keys for `model`, in increasing order: SQL with one
    placeholder (how many), drawn from the primary key's own sequence."""
    conn = connections[DEFAULT_DB_ALIAS]
    table, pk = conn.ops.quote_name(model._meta.db_table), model._meta.pk.column
    sequence = f"pg_get_serial_sequence('{table}', '{pk}')"  # model names only
    return f"ARRAY(SELECT nextval({sequence}) FROM generate_series(1, %s))"  # noqa: S608


@cache
def _json_plan(
    model: type[models.Model], with_pk: bool
) -> tuple[str, tuple[tuple[models.Field[Any, Any], str], ...]]:
    """(`INSERT INTO t (cols) SELECT cols FROM jsonb_populate_recordset(NULL::t, %s)`, the
    fields with their columns in order)."""
    conn = connections[DEFAULT_DB_ALIAS]
    qn = conn.ops.quote_name
    table = qn(model._meta.db_table)
    fields = tuple(
        (f, f.column) for f in model._meta.concrete_fields if with_pk or not f.primary_key
    )
    cols = ", ".join(qn(column) for _f, column in fields)
    return (
        f"INSERT INTO {table} ({cols}) SELECT {cols} "  # noqa: S608 - names only
        f"FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb)",
        fields,
    )


def _json_default(value: Any) -> Any:
    """A prepared value as JSON whose text PostgreSQL reads back as the column's type."""
    if isinstance(value, Json | Jsonb):  # a JSONField's value: stored as the nested JSON
        return value.obj if value.dumps is None else json.loads(value.dumps(value.obj))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return "\\x" + bytes(value).hex()
    raise TypeError(f"no JSON form for {type(value).__name__}")


def json_insert(rows: Sequence[models.Model]) -> tuple[str, list[Any]]:
    """One INSERT of `rows` (all of one model; all with their primary key set, or none) with
    ONE parameter, the rows as a JSON array of objects (issue #24, u1: one array per column
    made psycopg dump each of a notice's ~90 arrays in Python, element by element, a third of
    the rows statement's CPU; `json.dumps` is C). Each value is prepared by its field as
    `save()` would (defaults, `auto_now_add`, JSON)."""
    conn = connections[DEFAULT_DB_ALIAS]
    with_pk = rows[0].pk is not None
    sql, fields = _json_plan(type(rows[0]), with_pk)
    records = [
        {
            column: field.get_db_prep_save(field.pre_save(row, True), conn)
            for field, column in fields
        }
        for row in rows
    ]
    return sql, [json.dumps(records, default=_json_default, allow_nan=False)]
