"""A dead PostgreSQL connection is found without a round trip (issue #24).

Django's CONN_HEALTH_CHECKS sends `SELECT 1` before the first query of every request: on
report intake that round trip was 22.5 % of the request's time (q1's profile; 11 % of the
worker's samples in s1's). A persistent connection whose backend went away (a server
restart, pg_terminate_backend, an idle timeout in a proxy) is visible locally: the server
sends its FATAL message and closes the socket, so an idle connection's socket becomes
readable although nothing was asked. At the start of each request one `poll()` with no
timeout looks, and a connection with anything to read, or one libpq already marked bad, is
closed; the request's first query opens a fresh one. No request fails for it
(tests/core/test_db_connections.py; docs/operations.md, "Database connections").

What this cannot see: a backend that vanished without a word (the host died, a network cut
with no RST). The first query then fails once on that worker, Django marks the connection
unusable and closes it at the end of the request, and the next request reconnects: at most
one failed request per worker, as with health checks off.
"""

from __future__ import annotations

import select
from typing import Any

from django.db import connections


def connection_alive(raw: Any) -> bool:
    """Whether an open psycopg connection, idle between requests, can still be used."""
    import psycopg
    from psycopg import pq

    pgconn = raw.pgconn
    if raw.closed or pgconn.status != pq.ConnStatus.OK:
        return False
    if pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False  # left inside a transaction: not ours to reuse
    try:
        # poll(), not select(): select() refuses a descriptor numbered 1,024 or more
        # (ValueError), and a worker with many files open would reconnect on every request.
        watch = select.poll()
        watch.register(pgconn.socket, select.POLLIN)
        events = watch.poll(0)
    except (OSError, ValueError, psycopg.Error):  # the socket is gone
        return False
    # Idle, a request's connection is sent nothing (it never LISTENs): anything to read (or a
    # hang-up, an error) is the server saying goodbye. Rarer harmless messages cost one
    # reconnect.
    return not events


def close_dead_connections(**_: Any) -> None:
    """request_started receiver: close each persistent PostgreSQL connection that died."""
    for conn in connections.all(initialized_only=True):
        if conn.vendor != "postgresql" or conn.connection is None or conn.in_atomic_block:
            continue
        if not connection_alive(conn.connection):
            conn.close()
