"""The rate-limit table cannot link a client address over days (issue #15, item 16).

The keyed hash of the address rotates every UTC day, and ended windows are
deleted on write and by the worker.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.test import RequestFactory

from karpear.core import ratelimit
from karpear.core.clients import client_key
from karpear.core.jobs import job
from karpear.core.models import RateCounter
from karpear.orgs.models import Organisation
from tests.conftest import Client, valid_form

ADDRESS = "203.0.113.9"
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def _request(address: str = ADDRESS) -> Any:
    return RequestFactory().get("/", REMOTE_ADDR=address)


def test_the_same_address_hashes_differently_on_different_days() -> None:
    monday = client_key(_request(), now=MONDAY)
    assert client_key(_request(), now=MONDAY + timedelta(hours=13)) == monday  # same UTC day
    assert client_key(_request(), now=MONDAY + timedelta(days=1)) != monday
    assert client_key(_request("203.0.113.10"), now=MONDAY) != monday


def test_the_stored_rows_of_two_days_share_nothing(db: None, monkeypatch: Any) -> None:
    # The once-a-minute purge on write is not what this test is about: had it come due between
    # the two hits, it would have deleted Monday's row (ended by Tuesday).
    monkeypatch.setattr(ratelimit, "_next_purge", [float("inf")])
    for day in (MONDAY, MONDAY + timedelta(days=1)):
        ratelimit.hit("report", client_key(_request(), now=day), "10/60", now=day)
    rows = list(RateCounter.objects.values_list("bucket", flat=True))
    assert len(rows) == 2
    keys = {client_key(_request(), now=d) for d in (MONDAY, MONDAY + timedelta(days=1))}
    assert not any(key in row for key in keys for row in rows)


def test_ended_windows_are_deleted_on_write(db: None, monkeypatch: Any) -> None:
    ratelimit.hit("report", "old-client", "10/60", now=MONDAY)
    monkeypatch.setattr(ratelimit, "_next_purge", [0.0])  # the once-a-minute purge is due
    ratelimit.hit("report", "new-client", "10/60", now=MONDAY + timedelta(hours=2))
    assert RateCounter.objects.count() == 1


def test_the_worker_deletes_ended_windows(db: None) -> None:
    ratelimit.hit("report", "someone", "10/60", now=MONDAY)
    assert job("purge_rate_limit_windows").run() == 1
    assert not RateCounter.objects.exists()


def test_an_open_window_is_kept_and_still_limits(
    client: Client, settings: Any, rate_limit_clock: datetime
) -> None:
    settings.KARPEAR_RATE_REPORTS = "1/60"
    assert client.post("/en/", valid_form(), REMOTE_ADDR=ADDRESS).status_code == 200
    # Purged within the window (the limiter's still clock): on the wall clock the window
    # could end between the two reports.
    assert ratelimit.ratelimit_purge(now=rate_limit_clock) == 0
    assert client.post("/en/", valid_form(), REMOTE_ADDR=ADDRESS).status_code == 429


def test_the_purge_leaves_nothing_of_a_past_day(acme: Organisation) -> None:
    ratelimit.hit("status", client_key(_request(), now=MONDAY), "30/60", now=MONDAY)
    ratelimit.ratelimit_purge(now=MONDAY + timedelta(days=1))
    assert not RateCounter.objects.exists()
