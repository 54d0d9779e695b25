"""Rows for the few hand-written statements on the intake hot path (issue #24).

Report intake must commit before it answers, so each round trip to PostgreSQL and each query
the ORM compiles is paid on every report of a surge. There, a report and its case are written
with one statement each (data-modifying CTEs). The column lists still come from the models, so
a field added later with a default needs no change here and a renamed one cannot be missed.
What depends only on the model (columns, converters) is worked out once per process.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

Converter = Callable[[Any, Any, Any], Any]


@cache
def _fields(
    model: type[models.Model],
) -> tuple[tuple[models.Field[Any, Any], str, bool, str], ...]:
    """(field, quoted column, set on save, typed NULL) for every concrete column but the
    primary key. The typed NULL is worked out once: a foreign key's type is looked up through
    its target on every call (4 % of a report's time in the profile, issue #24)."""
    conn = connections[DEFAULT_DB_ALIAS]
    return tuple(
        (
            f,
            conn.ops.quote_name(f.column),
            bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)),
            f"NULL::{f.db_type(conn)}",
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
    for field, column, on_save, typed_null in _fields(model):
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
        prepared = field.get_db_prep_save(value, conn)
        if prepared is None:
            # Typed, since a server-side parameter in a SELECT list has no type to infer.
            selects.append(typed_null)
            continue
        selects.append("%s")
        params.append(prepared)
    return ", ".join(names), ", ".join(selects), params


_INTEGERS = (
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
)


def _preparer(field: models.Field[Any, Any], conn: Any) -> Callable[[Any], Any]:
    """`field.get_db_prep_save(value, conn)`, skipped for a value of the type the field
    stores as it is (a str for a text column, an aware datetime for a timestamp, an int for
    a key): Django's own method returns such a value unchanged, through five calls per
    column, and a report and its case have 50 columns (issue #24, u2). Anything else (None,
    an enum member, a naive datetime, a JSON value) and any other field class (a project's
    own subclass included) takes Django's method; so does every value off PostgreSQL."""
    slow = field.get_db_prep_save
    kind = type(field)
    if kind in (models.ForeignKey, models.OneToOneField):
        target = type(field.target_field)  # type: ignore[attr-defined]  # a relation's
        kind = target if target in _INTEGERS else kind
    as_is = _STORED_AS_IS.get(kind) if conn.vendor == "postgresql" else None
    if as_is is None:  # elsewhere (SQLite) even a datetime or a date is adapted
        return lambda v: slow(v, conn)
    return lambda v: v if as_is(v) else slow(v, conn)


def _is_str(v: Any) -> bool:
    return type(v) is str


def _is_int(v: Any) -> bool:
    return type(v) is int


_STORED_AS_IS: dict[type, Callable[[Any], bool]] = {
    models.CharField: _is_str,
    models.TextField: _is_str,
    models.BooleanField: lambda v: type(v) is bool,
    models.DateTimeField: lambda v: type(v) is datetime and v.tzinfo is not None,
    models.DateField: lambda v: type(v) is date,
    **dict.fromkeys(_INTEGERS, _is_int),
}


def mark_saved(rows: Iterable[models.Model]) -> None:
    """Mark rows written by a raw statement as the ORM marks the rows it saves, so a later
    `save()` updates them instead of inserting them again."""
    for row in rows:
        row._state.adding = False
        row._state.db = DEFAULT_DB_ALIAS


class InsertPlan:
    """`INSERT INTO t (columns) SELECT selects …` for one model and one fixed set of given
    fields, worked out once per process; only `params(values)` runs per row (issue #24, u2).

    Each column takes `exprs[attname]` (SQL such as a CTE's id; a `%s` in it stands for
    `values[attname]`), else `values[attname]` (its default when not given), else
    the field's default as the ORM would give it (a constant default prepared once). A
    nullable column's parameter is cast to its type without length (a NULL parameter in a
    SELECT list has no type to infer; the INSERT still refuses a value too long), so the
    statement's text never depends on the values.
    """

    def __init__(
        self, model: type[models.Model], names: Iterable[str], exprs: Mapping[str, str] = {}
    ) -> None:
        self.model = model
        self.names = frozenset(names)
        self.exprs = dict(exprs)
        self._compiled: tuple[str, str, tuple[tuple[int, Any, Any], ...]] | None = None

    def _compile(self) -> tuple[str, str, tuple[tuple[int, Any, Any], ...]]:
        if self._compiled is not None:
            return self._compiled
        conn = connections[DEFAULT_DB_ALIAS]
        names: list[str] = []
        selects: list[str] = []
        steps: list[tuple[int, Any, Any]] = []  # (kind, field or constant, preparer)
        for field, column, on_save, typed_null in _fields(self.model):
            names.append(column)
            cast = "::" + _BRACKETS.sub("", typed_null[len("NULL::") :]) if field.null else ""
            prep = _preparer(field, conn)
            if field.attname in self.exprs:
                sql = self.exprs[field.attname]
                selects.append(sql)
                if "%s" in sql:
                    steps.append((_VALUE, field, prep))
            elif field.attname in self.names:
                selects.append("%s" + cast)
                steps.append((_VALUE, field, prep))
            elif on_save:
                selects.append("%s")
                steps.append((_NOW, None, prep))
            elif field.has_default() and callable(field.default):
                selects.append("%s" + cast)
                steps.append((_CALL, field, prep))
            else:
                prepared = field.get_db_prep_save(field.get_default(), conn)
                if prepared is None:
                    selects.append(typed_null)
                else:
                    selects.append("%s")
                    steps.append((_CONST, prepared, None))
        unknown = (self.names | set(self.exprs)) - {f.attname for f, *_r in _fields(self.model)}
        if unknown:
            raise LookupError(f"{self.model.__name__} has no field {sorted(unknown)}")
        self._compiled = (", ".join(names), ", ".join(selects), tuple(steps))
        return self._compiled

    @property
    def columns(self) -> str:
        return self._compile()[0]

    @property
    def selects(self) -> str:
        return self._compile()[1]

    def params(self, values: Mapping[str, Any]) -> list[Any]:
        """The row's parameters, in the order of `selects`."""
        out: list[Any] = []
        for kind, arg, prep in self._compile()[2]:
            if kind == _VALUE:
                value = values.get(arg.attname, _MISSING)
                # Not given: the field's default, as the ORM would.
                out.append(prep(arg.get_default() if value is _MISSING else value))
            elif kind == _CONST:
                out.append(arg)
            elif kind == _NOW:
                out.append(prep(timezone.now()))
            else:
                out.append(prep(arg.get_default()))
        return out


_VALUE, _CONST, _NOW, _CALL = range(4)
_MISSING = object()


_BRACKETS = re.compile(r"\(.*\)")


class _PreparedCursor(psycopg.RawCursor[Any]):
    """A server-side-binding cursor whose statements are prepared once per connection.

    Raw: the statement comes with PostgreSQL's own $1, $2 … placeholders (`_numbered`), so
    psycopg does not parse it again on every call. It caches that parsing only for statements
    shorter than 4 kB, and a report's statement is longer (7 % of a report's time, issue #24).
    """

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        return super().execute(_numbered(query), params, prepare=True)


@lru_cache(maxsize=256)
def _numbered(sql: str) -> str:
    """`sql` with each %s placeholder as $1, $2 … (and %% as %). A statement's text depends
    only on the models and the number of items or keys, so a process sees a handful."""
    count = iter(range(1, sql.count("%s") + 1))
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(count)}", sql)


_PLACEHOLDER = re.compile("%%|%s")


def fetch_one(sql: str, params: list[Any]) -> tuple[Any, ...]:
    """Run one hot-path statement and return its one row (fetch_optional, which see)."""
    row = fetch_optional(sql, params)
    if row is None:
        raise LookupError("the statement returned no row")
    return row


def fetch_optional(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    """Run one hot-path statement and return its first row, or None when it has none.

    On PostgreSQL the statement is prepared on this connection the first time and only
    executed after that: the intake statements are long CTEs, and planning them, and quoting
    their values into the text (Django's client-side binding), cost more than running them.
    The SQL depends only on the models (and, for a report, its number of items), so a worker
    keeps a handful of prepared statements. It goes through Django's cursor wrapper, so it is
    counted and logged like any query. Elsewhere (SQLite), a plain cursor.
    """
    conn = connections[DEFAULT_DB_ALIAS]
    if conn.vendor != "postgresql":
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
            return None if row is None else tuple(row)
    with _hot_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return None if row is None else tuple(row)


def fetch_all(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Every row of one hot-path statement on PostgreSQL, prepared and numbered as
    `fetch_optional`'s, counted and logged like any query."""
    with _hot_cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def _hot_cursor() -> Any:
    """Django's cursor wrapper around a `_PreparedCursor` on the default connection."""
    conn = connections[DEFAULT_DB_ALIAS]
    conn.ensure_connection()
    if conn.connection.prepare_threshold is None:
        # Django turns psycopg's preparing off (None: not even on request). Its own
        # client-side cursors never prepare; this threshold only lets `prepare=True` work here,
        # and is too high for anything to be prepared unasked.
        conn.connection.prepare_threshold = 2**31 - 1
    raw: Any = _PreparedCursor(conn.connection)  # Django's wrappers take any DB-API cursor
    return conn.make_debug_cursor(raw) if conn.queries_logged else conn.make_cursor(raw)


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
