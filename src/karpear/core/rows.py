"""Rows for the few hand-written statements on the intake hot path (issue #24).

Report intake must commit before it answers, so each round trip to PostgreSQL and each query
the ORM compiles is paid on every report of a surge. There, a report and its case are written
with one statement each (data-modifying CTEs). The column lists still come from the models, so
a field added later with a default needs no change here and a renamed one cannot be missed.
What depends only on the model (columns, converters) is worked out once per process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

Converter = Callable[[Any, Any, Any], Any]


@cache
def _fields(model: type[models.Model]) -> tuple[tuple[models.Field[Any, Any], str, bool], ...]:
    """(field, quoted column, set on save) for every concrete column but the primary key."""
    qn = connections[DEFAULT_DB_ALIAS].ops.quote_name
    return tuple(
        (
            f,
            qn(f.column),
            bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)),
        )
        for f in model._meta.concrete_fields
        if not f.primary_key
    )


@cache
def columns(model: type[models.Model], alias: str = "") -> str:
    """The quoted column list of `model` (primary key first), e.g. for RETURNING."""
    qn = connections[DEFAULT_DB_ALIAS].ops.quote_name
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + qn(f.column) for f in model._meta.concrete_fields)


def insert_parts(
    model: type[models.Model],
    values: Mapping[str, Any],
    exprs: Mapping[str, str | tuple[str, list[Any]]] | None = None,
) -> tuple[str, str, list[Any]]:
    """(column list, select list, params) for `INSERT INTO t (cols) SELECT <select list> ...`.

    Each column takes `exprs[attname]` (raw SQL such as a CTE's id, or (SQL, its params)),
    else `values[attname]`, else the field's default, each prepared by the field as the ORM
    would.
    """
    conn = connections[DEFAULT_DB_ALIAS]
    exprs = exprs or {}
    names: list[str] = []
    selects: list[str] = []
    params: list[Any] = []
    for field, column, on_save in _fields(model):
        names.append(column)
        if field.attname in exprs:
            expr = exprs[field.attname]
            sql, expr_params = (expr, []) if isinstance(expr, str) else expr
            selects.append(sql)
            params += expr_params
            continue
        if field.attname in values:
            value = values[field.attname]
        elif on_save:
            value = timezone.now()
        else:
            value = field.get_default()
        selects.append("%s")
        params.append(field.get_db_prep_save(value, conn))
    return ", ".join(names), ", ".join(selects), params


@cache
def _converters(model: type[models.Model]) -> tuple[tuple[str, Any, tuple[Converter, ...]], ...]:
    """(attname, column expression, its converters) in `columns(model)` order."""
    conn = connections[DEFAULT_DB_ALIAS]
    out = []
    for field in model._meta.concrete_fields:
        col = field.get_col(model._meta.db_table)
        own = field.get_db_converters(conn)  # type: ignore[attr-defined]  # not in the stubs
        funcs = tuple(conn.ops.get_db_converters(col) + own)
        out.append((field.attname, col, funcs))
    return tuple(out)


def from_row(model: type[models.Model], row: tuple[Any, ...]) -> Any:
    """A model instance from a row in `columns(model)` order, as the ORM would load it."""
    conn = connections[DEFAULT_DB_ALIAS]
    plan = _converters(model)
    converted = []
    for (_name, col, funcs), raw in zip(plan, row, strict=True):
        value = raw
        for func in funcs:
            value = func(value, col, conn)
        converted.append(value)
    return model.from_db(DEFAULT_DB_ALIAS, [name for name, _c, _f in plan], converted)
