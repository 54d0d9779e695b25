"""`karpear demo` (what `make run` serves) seeds a usable demo, including the blocklist."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.mark.django_db
def test_demo_seeds_staff_reports_and_a_blocklist_once() -> None:
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    printed = out.getvalue()
    assert "Demo organisation" in printed and "TOTP secret" in printed
    blocked = Client().get("/blocked/", {"url": "http://blocked.example.invalid/demo/1.html"})
    assert blocked.status_code == 403
    assert "Internet Hotline Cambodia (demo)" in blocked.content.decode()
    sub = Client().get("/en/blocked/", {"url": "https://img.whole-site.example.invalid/x"})
    assert sub.status_code == 403
    again = io.StringIO()
    call_command("demo", "--if-empty", stdout=again)  # a second `make run` adds nothing
    from karpear.blocklist.models import ListVersion

    assert ListVersion.objects.count() == 1


@pytest.mark.django_db
def test_the_reference_platform_gets_a_working_key_even_if_an_old_one_is_left(
    settings: Any,
) -> None:
    """A key file left from an older database is replaced, so the demo platform's hash checks
    and uploads are not refused with 401."""
    from karpear.apikeys.models import Scope
    from karpear.apikeys.services import apikey_check

    key_file = settings.DATA_DIR / "reference-platform.karpear-key"
    key_file.write_text("kp_platform_stale_0000000000000000")
    call_command("demo", "--if-empty", stdout=io.StringIO())
    key = apikey_check(key_file.read_text().strip(), frozenset({Scope.PLATFORM}))
    assert key.organisation.slug == "demo"
    before = key_file.read_text()
    call_command("demo", "--if-empty", stdout=io.StringIO())
    assert key_file.read_text() == before  # a working key is kept


@pytest.mark.django_db
def test_a_demo_seeded_before_the_hash_bank_existed_gets_it_on_the_next_run() -> None:
    from pathlib import Path

    from karpear.hashes.models import Bank, BankHash

    csv_file = Path(__file__).resolve().parents[2] / "examples" / "hashes" / "demo-bank.csv"
    lines = [line for line in csv_file.read_text().splitlines() if line[:1] not in ("#", "h")]
    distinct = {tuple(line.split(",")[:2]) for line in lines}  # some variants share a PDQ
    call_command("demo", "--if-empty", stdout=io.StringIO())
    assert BankHash.objects.filter(bank__name="demo-hotline").count() == len(distinct)
    BankHash.objects.all().delete()
    Bank.objects.all().delete()
    call_command("demo", "--if-empty", stdout=io.StringIO())
    call_command("demo", "--if-empty", stdout=io.StringIO())
    assert Bank.objects.filter(name="demo-hotline").count() == 1
    assert BankHash.objects.filter(bank__name="demo-hotline").count() == len(distinct)
