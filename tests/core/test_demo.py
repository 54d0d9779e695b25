"""`karpear demo` (what `make run` serves) seeds a usable demo, including the blocklist."""

from __future__ import annotations

import io

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
