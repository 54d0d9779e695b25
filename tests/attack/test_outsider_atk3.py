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

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.audit.models import AuditEntry
from karpear.audit.services import audit_verify
from karpear.cases.models import Case, CaseEvent, Decision
from karpear.core.dbconnections import connection_alive
from karpear.notices.models import Action, Notice, NoticeItem
from karpear.notices.services import ItemIn, issuer_for_key, notice_receive
from karpear.orgs.models import Organisation
from karpear.platformlink.models import WebhookEvent
from karpear.platformlink.services import link_configure
from karpear.reports.models import PublicStatus, Report
from tests.cases.test_intake_queries import _report
from tests.cast import Person, sign_in
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


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nope",
        "/api/v1/../desk/",
        "/api/v1/reports/x%2F..%2F..%2Fdesk/",
        "/api//v1/openapi.json",
        "/api/v1/openapi.json",
    ],
)
def test_an_api_answer_stays_inert_whatever_the_path_trick(analyst: Person, path: str) -> None:
    # Held: the lean middleware path (core/pageonly.py) treats these as API and serves no page
    # under /api/; every answer is JSON a browser will neither run, sniff nor frame, and a
    # signed-in desk session sent along is neither read nor renewed.
    response = sign_in(analyst).get(path)
    assert response["Content-Type"] == "application/json"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "Set-Cookie" not in response and "Cookie" not in response.get("Vary", "")


@pytest.mark.django_db(transaction=True)  # a real COMMIT, as a notice over the API
def test_a_notice_that_fails_before_its_audit_entries_leaves_nothing(
    acme: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Held: the takedown's rows (cases, decisions, timeline, webhooks, the notice's items) go
    # in one statement and the audit entries after it; a failure between them leaves none of
    # it, and a notice whose items join a reporter's case, with %s, $1, quotes and Khmer in
    # what it says, keeps the audit chain verifiable.
    link_configure(
        organisation=acme, webhook_url="http://127.0.0.1:9/hook", hosted_domains=["social.example"]
    )
    url = "https://social.example/p/1?q=%s&r=$1"
    report, _created = _report(acme, url)
    issuer = issuer_for_key(apikey_create(organisation=acme, scope=Scope.ISSUER, name="ACU")[0])
    notice_receive(
        issuer=issuer,
        issuer_reference="A/1 %s",
        legal_basis="ខ្មែរ %s %% $1 ' \" \\ " + "x" * 400,
        items=[ItemIn(url=url), ItemIn(platform_content_id="p" * 190 + "ខ")],
        actions=[Action.TAKEDOWN],
        deadline=None,
    )
    report.refresh_from_db()
    assert report.status == PublicStatus.CHECKING  # joined the reporter's case, which moved
    assert Case.objects.count() == 2

    def counts() -> list[int]:
        models = [Case, Decision, CaseEvent, WebhookEvent, Notice, NoticeItem, AuditEntry, Report]
        return [m._default_manager.count() for m in models]

    before = counts()

    def crash(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr("karpear.cases.takedown.audit_record_many", crash)
    with pytest.raises(RuntimeError):
        notice_receive(
            issuer=issuer,
            issuer_reference="A/2",
            legal_basis="art. 41",
            items=[ItemIn(url=url), ItemIn(platform_content_id="new")],
            actions=[Action.TAKEDOWN],
            deadline=None,
        )
    assert counts() == before
    monkeypatch.undo()
    assert audit_verify().ok
