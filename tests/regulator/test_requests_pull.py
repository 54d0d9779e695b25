"""Fetching the regulator's requests from another deployment and answering them (issue #20,
item 5): the HTTP call is made before any transaction opens, so a slow regulator holds no
transaction open on the company's database; a regulator that breaks off mid-answer stores
nothing, and pulling again stores each request exactly once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from karpear.audit.models import AuditEntry
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.regulator.models import ReceivedRequest
from karpear.regulator.outbound import (
    RegulatorUnreachable,
    link_set,
    request_answer,
    requests_pull,
)
from tests.cast import Person

pytestmark = pytest.mark.django_db


def _requests() -> dict[str, Any]:
    sent = timezone.now().replace(microsecond=0)
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    return {
        "requests": [
            {"id": 7, "item_ref": "12", "question": "Show item 12.", "deadline": due,
             "sent_at": sent.isoformat(), "answered_at": None, "answer": ""},
            {"id": 8, "item_ref": "", "question": "Why late?", "deadline": due,
             "sent_at": sent.isoformat(), "answered_at": None, "answer": ""},
        ]
    }  # fmt: skip


class Regulator:
    """A stand-in for the regulator's API: `mode` is "ok", "slow" or "break" (headers and half
    the body, then the connection closes). While answering it notes how deep in transactions
    the company's database connection is."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.listed = _requests()
        self.answers: list[dict[str, Any]] = []
        self.answer_status = 201
        self.depths: list[int] = []
        # The test thread's own connection (`connection` is a per-thread proxy): the one
        # requests_pull writes with.
        self.connection = connections[DEFAULT_DB_ALIAS]


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: the timeout test's client hangs up before the slow answer is written."""


@pytest.fixture
def regulator(acme: Organisation) -> Iterator[Regulator]:
    state = Regulator()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.depths.append(len(state.connection.atomic_blocks))
            if state.mode == "slow":
                time.sleep(0.5)
            body = json.dumps(state.listed).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if state.mode == "break" else body)
            self.wfile.flush()

        def do_POST(self) -> None:
            state.depths.append(len(state.connection.atomic_blocks))
            sent = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if state.mode == "slow":
                time.sleep(0.5)
            if state.answer_status == 201:
                state.answers.append(sent)
                body = b"{}"
            else:
                body = b'{"error": {"code": "conflict", "message": "Another answer."}}'
            self.send_response(state.answer_status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    link_set(
        organisation=acme,
        url=f"http://127.0.0.1:{server.server_address[1]}",
        token="kp_company_test",
        operator="test",
    )
    yield state
    server.shutdown()
    server.server_close()


def test_no_transaction_is_open_while_a_slow_regulator_answers(
    acme: Organisation, regulator: Regulator
) -> None:
    regulator.mode = "slow"
    outside = len(connection.atomic_blocks)  # the test's own wrapping transaction
    assert requests_pull(organisation=acme) == 2
    assert regulator.depths == [outside]
    assert ReceivedRequest.objects.filter(organisation=acme).count() == 2


def test_a_regulator_that_breaks_off_stores_nothing_and_a_retry_stores_each_request_once(
    acme: Organisation, regulator: Regulator
) -> None:
    regulator.mode = "break"
    with pytest.raises(RegulatorUnreachable):
        requests_pull(organisation=acme)
    assert not ReceivedRequest.objects.filter(organisation=acme).exists()
    regulator.mode = "ok"
    assert requests_pull(organisation=acme) == 2
    assert requests_pull(organisation=acme) == 0
    stored = ReceivedRequest.objects.filter(organisation=acme).order_by("remote_id")
    assert list(stored.values_list("remote_id", flat=True)) == [7, 8]


def test_a_regulator_slower_than_the_timeout_stores_nothing(
    acme: Organisation, regulator: Regulator, settings: Any
) -> None:
    settings.KARPEAR_REGULATOR_TIMEOUT = 0.1
    regulator.mode = "slow"
    with pytest.raises(RegulatorUnreachable):
        requests_pull(organisation=acme)
    assert not ReceivedRequest.objects.filter(organisation=acme).exists()


def test_unreadable_requests_are_skipped_and_an_answer_is_recorded_once(
    acme: Organisation, regulator: Regulator
) -> None:
    """The regulator is another deployment: what it lists is checked before anything is
    stored. A malformed request (no id, NUL, a bad date, not an object) is skipped, not a
    failure of the whole pull; an answer it reports is recorded once and never overwritten."""
    good, other = regulator.listed["requests"]
    regulator.listed["requests"] = [
        good,
        {**other, "id": None},
        {**other, "id": 9, "deadline": "2026-13-40"},
        {**other, "id": 10, "answered_at": "yesterday\x00"},
        {**other, "id": 11, "question": "Why\x00late?"},
        "not a request",
    ]
    assert requests_pull(organisation=acme) == 1
    assert ReceivedRequest.objects.filter(organisation=acme).get().remote_id == 7
    answered_at = timezone.now().replace(microsecond=0)
    regulator.listed["requests"] = [
        {**good, "answered_at": answered_at.isoformat(), "answer": "Here it is."}
    ]
    assert requests_pull(organisation=acme) == 0
    regulator.listed["requests"] = [
        {**good, "answered_at": timezone.now().isoformat(), "answer": "Changed later."}
    ]
    assert requests_pull(organisation=acme) == 0
    row = ReceivedRequest.objects.get(organisation=acme, remote_id=7)
    assert (row.answer, row.answered_at) == ("Here it is.", answered_at)


def test_no_transaction_is_open_while_the_regulator_takes_an_answer(
    acme: Organisation, regulator: Regulator, compliance: Person
) -> None:
    requests_pull(organisation=acme)
    row = ReceivedRequest.objects.get(organisation=acme, remote_id=7)
    regulator.mode, regulator.depths = "slow", []
    outside = len(connection.atomic_blocks)
    answered = request_answer(
        member=compliance.member, received_id=row.pk, text=" Here. ", files=[]
    )
    assert regulator.depths == [outside]
    assert (answered.answer, answered.answered_at is not None) == ("Here.", True)
    assert [a["answer"] for a in regulator.answers] == [" Here. "]
    assert AuditEntry.objects.filter(action="regulator_rfi_answered").count() == 1
    # Answering again is refused here, without a second call to the regulator.
    with pytest.raises(ApplicationError) as again:
        request_answer(member=compliance.member, received_id=row.pk, text="Other.", files=[])
    assert again.value.code == "already_answered"
    assert len(regulator.answers) == 1


def test_an_answer_the_regulator_refuses_is_not_recorded(
    acme: Organisation, regulator: Regulator, compliance: Person
) -> None:
    requests_pull(organisation=acme)
    row = ReceivedRequest.objects.get(organisation=acme, remote_id=8)
    regulator.answer_status = 409
    with pytest.raises(ApplicationError) as refused:
        request_answer(member=compliance.member, received_id=row.pk, text="Late.", files=[])
    assert (refused.value.code, refused.value.status) == ("conflict", 409)
    row.refresh_from_db()
    assert row.answered_at is None and row.answer == ""
    assert not AuditEntry.objects.filter(action="regulator_rfi_answered").exists()
