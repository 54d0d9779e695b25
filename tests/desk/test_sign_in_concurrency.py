"""Concurrent sign-in attempts on real database connections (issue #15, item 12).

Each thread is its own request with its own connection to the test database
(SQLite in WAL mode, or PostgreSQL with DATABASE_URL), all released together by
a barrier. The password hasher counts its runs: the throttle's atomic counter
must let at most `limit` of the guesses reach it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from django.db import connections

from karpear.audit.models import AuditEntry
from karpear.staff.models import StaffMember
from tests.cast import PASSWORD, Person
from tests.conftest import Client
from tests.desk.hashers import use_counting_hasher

pytestmark = pytest.mark.django_db(transaction=True)

T = TypeVar("T")
RACERS = 30


def race(count: int, attempt: Callable[[int], T]) -> list[T]:
    """Run `attempt(i)` in `count` threads released at the same moment."""
    barrier = threading.Barrier(count)
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = attempt(i)
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return [results[i] for i in range(count)]


def test_thirty_concurrent_wrong_guesses_check_the_password_at_most_limit_times(
    analyst: Person, settings: Any
) -> None:
    settings.KARPEAR_SIGNIN_ACCOUNT_FAILURES = 5
    hasher = use_counting_hasher(settings)
    statuses = race(
        RACERS,
        lambda i: (
            Client(REMOTE_ADDR=f"198.51.100.{i}")
            .post("/en/desk/login/", {"username": "dara", "password": f"guess {i}"})
            .status_code
        ),
    )
    assert set(statuses) <= {403, 429}
    assert hasher.runs <= 5
    assert statuses.count(403) == hasher.runs
    assert AuditEntry.objects.filter(action="sign_in_failed").count() == RACERS
    assert StaffMember.objects.get(pk=analyst.member.pk).failed_sign_ins == hasher.runs


def test_thirty_concurrent_guesses_from_one_client_check_at_most_its_budget(
    analyst: Person, settings: Any
) -> None:
    settings.KARPEAR_SIGNIN_CLIENT_FAILURES = 5
    hasher = use_counting_hasher(settings)
    statuses = race(
        RACERS,
        lambda i: (
            Client(REMOTE_ADDR="198.51.100.7")
            .post("/en/desk/login/", {"username": f"user{i}", "password": "guess"})
            .status_code
        ),
    )
    assert set(statuses) <= {403, 429}
    assert hasher.runs <= 5
    assert statuses.count(403) == hasher.runs


def test_one_code_posted_from_several_sessions_at_once_opens_only_one(
    analyst: Person,
) -> None:
    sessions = [Client() for _ in range(6)]
    for client in sessions:
        client.post("/en/desk/login/", {"username": "dara", "password": PASSWORD})
    code = analyst.code()
    statuses = race(
        len(sessions), lambda i: sessions[i].post("/en/desk/code/", {"code": code}).status_code
    )
    assert statuses.count(302) == 1
    # The others hear "just used" or, once django-otp's pause began, "wait a few seconds".
    assert set(statuses) - {302} <= {403, 429}
