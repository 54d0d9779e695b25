"""An outsider's attack on the issue #24 performance work merged last (atk3): the API's lean
middleware path, the socket check that replaced the health check, the one-statement report
writer and the notice takedown in few statements. Each test states what a user relies on and
failed on the code as it was found, or guards a property the attack could not break."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from karpear.core.dbconnections import connection_alive
from tests.core.test_db_connections import _terminate

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


@pg_only
@pytest.mark.django_db(transaction=True)
def test_the_worker_carries_on_without_a_failed_job_after_its_backend_went_away(
    acme: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # With CONN_HEALTH_CHECKS off (issue #24), the worker's close_old_connections() no longer
    # noticed a backend a server restart had closed: its next job failed (an exception in the
    # log, the job put off a round: webhooks delivered late) before the connection was
    # replaced. The worker looks at its connection as a request does.
    connection.ensure_connection()
    _terminate(connection.connection.info.backend_pid)
    with caplog.at_level(logging.ERROR, logger="karpear.worker"):
        call_command("worker", "--once")
    assert not [r for r in caplog.records if r.name == "karpear.worker"]
    assert connection_alive(connection.connection)
