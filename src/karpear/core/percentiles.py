"""Medians and percentiles computed in the database, on SQLite and PostgreSQL alike (issue #9).

SQLite has no percentile_cont, so both databases use the same window-function query: rank the
values within each group, keep only the rows either side of each wanted position, and
interpolate between those two in Python (linear, like percentile_cont). The database sorts; at
most four rows per group come back, however many cases there are.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any

from django.db import connection


def hours_between(later: str, earlier: str) -> str:
    """SQL for the hours from `earlier` to `later` (two timestamp columns)."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600.0)"
    return f"((julianday({later}) - julianday({earlier})) * 24.0)"


def db_datetime(value: datetime) -> Any:
    """A moment as a raw-SQL parameter: SQLite compares text, so it must be UTC like the rows."""
    return connection.ops.adapt_datetimefield_value(value)


def _interpolate(values: dict[int, float], n: int, p: Fraction) -> float:
    position = (n - 1) * p  # 0-based
    below = int(position)
    fraction = position - below
    low = values[below + 1]
    if fraction == 0:
        return low
    return low + float(fraction) * (values[below + 2] - low)


def grouped_percentiles(
    values_sql: str,
    params: list[Any],
    percentiles: tuple[Fraction, ...] = (Fraction(1, 2), Fraction(9, 10)),
) -> dict[str, dict[str, Any]]:
    """`values_sql` selects (k, h): a group key and a number. Returns, per key, n and each
    percentile of h (p50, p90 keys), rounded to 0.01."""
    positions = " OR ".join(
        f"rn = (n - 1) * {p.numerator} / {p.denominator} + {offset}"
        for p in percentiles
        for offset in (1, 2)
    )
    sql = (  # values_sql is fixed text built by the callers; every value is a parameter
        f"WITH v AS ({values_sql}), "
        "ranked AS (SELECT k, h, ROW_NUMBER() OVER (PARTITION BY k ORDER BY h) AS rn, "
        "COUNT(*) OVER (PARTITION BY k) AS n FROM v) "
        f"SELECT k, n, rn, h FROM ranked WHERE {positions} ORDER BY k, rn"
    )
    rows: dict[str, tuple[int, dict[int, float]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for key, n, rn, h in cursor.fetchall():
            rows.setdefault(str(key), (int(n), {}))[1][int(rn)] = float(h)
    result: dict[str, dict[str, Any]] = {}
    for key, (n, values) in rows.items():
        stat: dict[str, Any] = {"n": n}
        for p in percentiles:
            stat[f"p{int(p * 100)}"] = round(_interpolate(values, n, p), 2)
        result[key] = stat
    return result
