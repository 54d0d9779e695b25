"""An outsider's attack on the issue #24 performance work merged last (atk3): the API's lean
middleware path, the socket check that replaced the health check, the one-statement report
writer and the notice takedown in few statements. Each test states what a user relies on and
failed on the code as it was found, or guards a property the attack could not break."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.db import connection

from karpear.core.dbconnections import connection_alive

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL backends")


@pytest.fixture
def many_open_files() -> Iterator[None]:
    """A busy worker: more than 1,024 descriptors open (log files, sockets, a threaded server),
    so the database socket it opens next gets a number select() cannot take."""
    connection.close()  # its descriptor must not be a low one freed later
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        yield
    finally:
        connection.close()
        for fd in held:
            os.close(fd)


@pg_only
@pytest.mark.django_db(transaction=True)
def test_a_live_connection_is_kept_in_a_worker_with_many_open_files(
    many_open_files: None,
) -> None:
    # Persistent connections must stay persistent: select() refuses a descriptor >= 1024
    # (ValueError), which the check read as "dead", so such a worker reconnected on every
    # request, the cost the check was written to remove.
    connection.ensure_connection()
    assert connection.connection.pgconn.socket >= 1024
    assert connection_alive(connection.connection)
