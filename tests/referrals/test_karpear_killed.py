"""Karpear itself dies mid-delivery (issue #17, item 4): every referral is acknowledged once.

A real gunicorn (tests/servers.py) serves the test database (SQLite file or PostgreSQL, as the
suite runs). The reference recipient (examples/reference_recipient) fetches and acknowledges a
batch of referrals while the whole server is killed with SIGKILL and restarted, twice.
Afterwards each referral is stored once by the recipient, acknowledged once at Karpear (one
timeline event, one audit entry) and shows on its case the number the recipient stored.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from karpear.audit.models import AuditEntry
from karpear.cases.models import Authority, CaseEvent
from karpear.orgs.models import Organisation
from karpear.referrals.models import Referral
from tests.cast import Person, make_case
from tests.referrals.helpers import key, refer
from tests.servers import Server

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
APP = Path(__file__).resolve().parents[2] / "examples" / "reference_recipient" / "app.py"
COUNT = 20
KILLS = 2


def server_env() -> dict[str, str]:
    """The environment of a server process on this test's own (committed) database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env["KARPEAR_RATELIMIT_ENABLED"] = "0"
    return env


def _recipient_rows(db: Path) -> list[tuple[int, int, int]]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT number, karpear_id, acknowledged FROM referral").fetchall()
    except sqlite3.OperationalError:  # not made its tables yet
        return []


def test_karpear_killed_mid_delivery_every_referral_is_acknowledged_once(
    tmp_path: Path, acme: Organisation, analyst: Person
) -> None:
    for n in range(COUNT):
        refer(make_case(acme, url=f"https://killed.example/{n}"), analyst, Authority.ACU)
    (tmp_path / "acu.key").write_text(key(acme))
    server = Server(server_env())
    # One gunicorn worker is enough to die mid-request and restarts in half the time of two.
    server.argv[server.argv.index("--workers") + 1] = "1"
    server.start()
    db = tmp_path / "recipient.sqlite3"
    recipient = subprocess.Popen(
        [
            sys.executable,
            str(APP),
            "--karpear-url",
            server.url,
            "--key-file",
            str(tmp_path / "acu.key"),
            "--db",
            str(db),
            "--interval",
            "0.05",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rng = random.Random(1717)
    kills = 0
    try:
        for _round in range(KILLS):
            before = sum(a for _n, _k, a in _recipient_rows(db))
            deadline = time.monotonic() + 20
            while sum(a for _n, _k, a in _recipient_rows(db)) == before:
                assert time.monotonic() < deadline, "the recipient stopped delivering"
                time.sleep(0.01)  # kill only once it is delivering
            time.sleep(rng.uniform(0, 0.1))
            server.kill()  # SIGKILL the whole gunicorn: mid-read or mid-acknowledgement
            kills += sum(a for _n, _k, a in _recipient_rows(db)) < COUNT
            server.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            rows = _recipient_rows(db)
            if len(rows) == COUNT and all(a for _n, _k, a in rows):
                break
            time.sleep(0.1)
    finally:
        recipient.kill()
        recipient.wait()
        server.kill()

    rows = _recipient_rows(db)
    assert kills == KILLS  # Karpear really died each time while referrals were in flight
    referrals = list(Referral.objects.order_by("pk"))
    assert sorted(k for _n, k, _a in rows) == [r.pk for r in referrals]  # each stored once
    numbers = {k: f"ACU-{n:06d}" for n, k, _a in rows}
    for r in referrals:
        assert r.recipient_reference == numbers[r.pk]  # the number the ACU stored
        events = CaseEvent.objects.filter(case_id=r.case_id, kind="referral_ack")
        assert [e.detail["reference"] for e in events] == [numbers[r.pk]]  # once, on the case
        assert (
            AuditEntry.objects.filter(action="referral_acknowledge", object_id=str(r.pk)).count()
            == 1
        )
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM problem").fetchone() == (0,)
