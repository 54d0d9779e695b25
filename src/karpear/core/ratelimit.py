"""Fixed-window rate limiting kept in the database.

Why not django-ratelimit: it only supports memcached or Redis and refuses
Django's database cache as non-atomic, while the embedded setup must run with
no other service. Here a single `INSERT … ON CONFLICT … DO UPDATE … RETURNING`
statement counts a hit atomically on both SQLite (3.35+) and PostgreSQL, so
several server processes share one limit without a race.
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from karpear.core.clients import client_key
from karpear.core.errors import RateLimited
from karpear.core.models import RateCounter


def parse_rate(rate: str) -> tuple[int, int]:
    count, seconds = rate.split("/", 1)
    return int(count), int(seconds)


def hit(action: str, client: str, rate: str, *, now: datetime | None = None) -> tuple[int, int]:
    """Count one hit; return (hits in this window, seconds until it ends)."""
    limit_window = parse_rate(rate)[1]
    now = now or timezone.now()
    epoch = int(now.timestamp())
    window_start = epoch - epoch % limit_window
    retry_after = window_start + limit_window - epoch
    bucket = hashlib.sha256(f"{action}|{client}|{window_start}".encode()).hexdigest()
    expires = now + timedelta(seconds=retry_after)
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, hits, expires_at) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT (bucket) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits",
            [bucket, expires],
        )
        row = cursor.fetchone()
    if time.monotonic() >= _next_purge[0]:
        _next_purge[0] = time.monotonic() + PURGE_EVERY_SECONDS
        ratelimit_purge(now=now)
    return (int(row[0]) if row else 1), retry_after


# On write, ended windows are deleted at most this often per process; the
# worker deletes them too, so an idle server keeps no old rows either.
PURGE_EVERY_SECONDS = 60
_next_purge = [0.0]


def ratelimit_purge(*, now: datetime | None = None) -> int:
    """Delete every window that has ended: a counter outlives its window by nothing.

    Together with the daily key (core/clients.py) this keeps the table from
    linking a client's requests over time (issue #15, item 16).
    """
    deleted, _per_model = RateCounter.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def ended_windows(*, now: datetime) -> int:
    """Windows the worker's purge must still delete (its queue depth, for /metrics)."""
    return RateCounter.objects.filter(expires_at__lte=now).count()


def enforce(request: HttpRequest, action: str, rate: str) -> None:
    """Raise RateLimited when this client went over `rate` for `action`."""
    enforce_key(
        action,
        client_key(request),
        rate,
        _("Too many tries from this phone or computer. Please try again in a minute."),
    )


def enforce_key(action: str, key: str, rate: str, message: str | Promise) -> None:
    """Raise RateLimited(message) when `key` (a client's key, or anything else counted, such
    as a typed receipt code) went over `rate` for `action`."""
    if not settings.KARPEAR_RATELIMIT_ENABLED:
        return
    hits, retry_after = hit(action, key, rate)
    if hits > parse_rate(rate)[0]:
        raise RateLimited(message, retry_after=retry_after)
