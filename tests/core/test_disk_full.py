"""A full database disk is an outage: 503 with Retry-After, and /healthz says writes fail.

The disk is outside the product, so the failure is injected at the database
boundary (Django's execute_wrapper) as the driver reports it: SQLite's
SQLITE_FULL "database or disk is full", PostgreSQL's SQLSTATE 53100 disk_full.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import OperationalError, connection

from karpear.reports.models import Report
from tests.cast import Person, sign_in
from tests.conftest import Client, valid_form, valid_json


def _driver_disk_full() -> Exception:
    if connection.vendor == "postgresql":
        import psycopg

        return psycopg.errors.DiskFull('could not extend file "base/16384/2619": No space left')
    import sqlite3

    return sqlite3.OperationalError("database or disk is full")


@contextmanager
def disk_full() -> Iterator[None]:
    """Every write fails the way the driver reports a full disk; reads still work."""

    def refuse_writes(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            cause = _driver_disk_full()
            raise OperationalError(*cause.args) from cause  # as Django wraps driver errors
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_writes):
        yield


def test_the_api_answers_503_with_retry_after_in_its_error_format(client: Client) -> None:
    with disk_full():
        response = client.post(
            "/api/v1/reports",
            json.dumps(valid_json()),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "unavailable"
    assert "try again" in response.json()["error"]["message"]


def test_the_portal_shows_a_page_in_the_persons_language(client: Client) -> None:
    with disk_full():
        en = client.post("/en/", valid_form(submission="tok-disk-1"))
        km = client.post("/", valid_form(submission="tok-disk-2"))
    assert en.status_code == 503 and "try again" in en.content.decode()
    assert km.status_code == 503 and int(km["Retry-After"]) > 0
    assert "try again" not in km.content.decode()
    assert Report.objects.count() == 0


def test_healthz_reports_that_writes_fail(client: Client) -> None:
    with disk_full():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "writes": "failing"}
    assert client.get("/healthz").json()["writes"] == "ok"


def test_other_operational_errors_are_not_mistaken_for_a_full_disk() -> None:
    from karpear.core.dbfailures import is_disk_full

    assert not is_disk_full(OperationalError("database is locked"))
    assert is_disk_full(OSError(28, "No space left on device"))


def test_a_desk_page_whose_session_cannot_be_saved_is_503_not_500(lead: Person) -> None:
    desk = sign_in(lead)
    desk.raise_request_exception = False  # let the server's own error handling answer
    with disk_full():
        response = desk.get("/en/desk/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "no-store" in response["Cache-Control"]
