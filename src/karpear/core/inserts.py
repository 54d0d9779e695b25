"""Rows of several tables in one statement on PostgreSQL (issue #24: notice intake).

A notice's takedown writes cases, decisions, timeline events, webhooks and the notice's items,
inside the transaction that must commit before the issuer is answered; one bulk INSERT per
table is one round trip each. On PostgreSQL they go as ONE statement of data-modifying CTEs,
each table's rows as one array per column (`UNNEST`, as Django's own `bulk_create` does there),
so the text depends only on the models and is prepared once per connection (`core.rows`).
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

from karpear.core.rows import fetch_all, fetch_one

__all__ = ["fetch_all", "insert_all", "json_insert", "next_ids_sql", "unnest_insert"]


@cache
def _plan(
    model: type[models.Model], with_pk: bool
) -> tuple[str, tuple[models.Field[Any, Any], ...]]:
    """(`INSERT INTO t (cols) SELECT * FROM UNNEST(%s::type[], …)`, the fields in order)."""
    conn = connections[DEFAULT_DB_ALIAS]
    qn = conn.ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if with_pk or not f.primary_key)
    # As Django's UNNEST insert: the type without its length (varchar[], not varchar(50)[]).
    arrays = ", ".join(f"%s::{f.db_type(conn).split('(')[0]}[]" for f in fields)  # type: ignore[union-attr]
    cols = ", ".join(qn(f.column) for f in fields)
    return (
        f"INSERT INTO {qn(model._meta.db_table)} ({cols}) SELECT * FROM UNNEST({arrays})",  # noqa: S608
        fields,
    )


def unnest_insert(rows: Sequence[models.Model]) -> tuple[str, list[Any]]:
    """One INSERT of `rows` (all of one model; all with their primary key set, or none),
    each value prepared by its field as `save()` would (defaults, `auto_now_add`, JSON)."""
    conn = connections[DEFAULT_DB_ALIAS]
    with_pk = rows[0].pk is not None
    sql, fields = _plan(type(rows[0]), with_pk)
    columns: list[list[Any]] = [[] for _ in fields]
    for row in rows:
        for column, field in zip(columns, fields, strict=True):
            column.append(field.get_db_prep_save(field.pre_save(row, True), conn))
    return sql, columns


def insert_all(*groups: Sequence[models.Model]) -> None:
    """Insert every group's rows with one statement (PostgreSQL only); empty groups skipped.

    The rows are marked saved, as `bulk_create` marks them.
    """
    parts: list[str] = []
    params: list[Any] = []
    for rows in groups:
        if rows:
            sql, columns = unnest_insert(rows)
            parts.append(f"w{len(parts)} AS ({sql})")
            params += columns
    if not parts:
        return
    fetch_one(f"WITH {', '.join(parts)} SELECT 1", params)
    for rows in groups:
        for row in rows:
            row._state.adding = False
            row._state.db = DEFAULT_DB_ALIAS


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
    """`unnest_insert`'s INSERT with ONE parameter, the rows as a JSON array of objects
    (issue #24, u1): psycopg dumped each of a notice's ~90 column arrays in Python, element by
    element, a third of the rows statement's CPU; `json.dumps` is C. Same values: each
    prepared by its field as `save()` would (defaults, `auto_now_add`, JSON)."""
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
