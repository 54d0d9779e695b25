"""The reference recipient fetches and acknowledges over real HTTP (issue #17, items 2 and 4).

Karpear runs as pytest-django's live server; the recipient (examples/reference_recipient) runs
as a real process. In the crash test it is killed with SIGKILL mid-delivery again and again and
restarted; afterwards every referral is stored exactly once on its side and acknowledged at
Karpear with the number it stored.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from karpear.cases.models import Authority
from karpear.orgs.models import Organisation
from karpear.referrals.models import Referral
from tests.cast import Person, make_case
from tests.referrals.helpers import key, refer

APP = Path(__file__).resolve().parents[2] / "examples" / "reference_recipient" / "app.py"
pytestmark = pytest.mark.django_db(transaction=True)


def _recipient(live_server: Any, tmp_path: Path, token: str, *extra: str) -> list[str]:
    key_file = tmp_path / "acu.key"
    key_file.write_text(token)
    return [
        sys.executable,
        str(APP),
        "--karpear-url",
        live_server.url,
        "--key-file",
        str(key_file),
        "--db",
        str(tmp_path / "recipient.sqlite3"),
        "--interval",
        "0.05",
        *extra,
    ]


def _stored(tmp_path: Path) -> list[tuple[int, int]]:
    db = tmp_path / "recipient.sqlite3"
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("SELECT number, karpear_id FROM referral").fetchall()
        except sqlite3.OperationalError:  # killed before it made its tables
            return []


def test_the_recipient_fetches_and_acknowledges_and_the_case_shows_its_number(
    live_server: Any, tmp_path: Path, acme: Organisation, analyst: Person
) -> None:
    refer(make_case(acme), analyst, Authority.ACU)
    subprocess.run(_recipient(live_server, tmp_path, key(acme), "--once"), check=True, timeout=60)
    referral = Referral.objects.get()
    assert referral.recipient_reference == "ACU-000001"
    assert referral.first_read_at is not None
    assert _stored(tmp_path) == [(1, referral.pk)]


def test_killed_mid_delivery_every_referral_arrives_exactly_once(
    live_server: Any, tmp_path: Path, acme: Organisation, analyst: Person
) -> None:
    count = 40
    for n in range(count):
        refer(make_case(acme, url=f"https://k.example/{n}"), analyst, Authority.ACU)
    argv = _recipient(live_server, tmp_path, key(acme))
    rng = random.Random(17)
    cut_short = 0
    for _round in range(6):
        before = len(_stored(tmp_path))
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while len(_stored(tmp_path)) == before and time.monotonic() < deadline:
            time.sleep(0.01)  # kill only once it is delivering
        time.sleep(rng.uniform(0, 0.2))
        process.kill()  # SIGKILL: no cleanup, possibly between storing and acknowledging
        process.wait()
        after = len(_stored(tmp_path))
        cut_short += after < count
        if after == count:
            break
    subprocess.run([*argv, "--once"], check=True, timeout=120)
    stored = _stored(tmp_path)
    assert cut_short >= 1 and len(stored) == count
    assert sorted(k for _n, k in stored) == sorted(Referral.objects.values_list("pk", flat=True))
    numbers = {k: f"ACU-{n:06d}" for n, k in stored}
    for referral in Referral.objects.all():
        assert referral.recipient_reference == numbers[referral.pk]
    with sqlite3.connect(tmp_path / "recipient.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM problem").fetchone() == (0,)
