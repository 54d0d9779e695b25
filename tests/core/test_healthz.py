"""GET /healthz tells a load balancer whether the database answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError, connection

from tests.conftest import Client


def test_it_is_healthy_when_the_database_answers(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "writes": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_when_the_database_does_not(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_cursor(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    # Undone inside the test, before the database fixture's own teardown.
    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken_cursor)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_it_needs_no_organisation(db: None) -> None:
    assert Client().get("/healthz").status_code == 200


def test_a_busy_database_is_not_reported_as_failing(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith("INSERT"):
            raise OperationalError("database is locked")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(locked):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["writes"] == "busy"
