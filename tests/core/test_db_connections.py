"""A PostgreSQL backend that went away between two requests costs no request (issue #24).

Health checks are off (their SELECT 1 was a fifth of a report's time); a dead connection is
found at the start of the next request without a round trip (core/dbconnections.py).
"""

from __future__ import annotations

import json

import psycopg
import pytest
from django.db import connection

from karpear.core.dbconnections import connection_alive
from karpear.reports.models import Report
from tests.conftest import Client, valid_json

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL backends only"),
    pytest.mark.django_db(transaction=True),  # the requests' own connection, committed
]


def _terminate(pid: int) -> None:
    """What a server restart or an operator does to the worker's backend, from outside."""
    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        dbname=s["NAME"],
        autocommit=True,
    ) as admin:
        # The timeout (ms) makes it wait until the backend has gone.
        assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone() == (True,)


def _post(client: Client) -> int:
    body = json.dumps(valid_json())
    return int(client.post("/api/v1/reports", body, content_type="application/json").status_code)


def test_the_next_request_after_the_backend_was_terminated_succeeds(client: Client) -> None:
    assert _post(client) == 201
    pid = connection.connection.info.backend_pid
    assert connection_alive(connection.connection)
    assert _post(client) == 201
    assert connection.connection.info.backend_pid == pid  # kept: no reconnect per request
    _terminate(pid)
    assert not connection_alive(connection.connection)  # seen without asking the server
    assert _post(client) == 201  # the dead connection was replaced before the request
    assert connection.connection.info.backend_pid != pid
    assert Report.objects.count() == 3
