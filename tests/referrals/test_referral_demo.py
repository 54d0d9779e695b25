"""`make run`'s reference recipient reads the demo ACU's inbox (issue #17, "Done when")."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_check
from karpear.notices.services import issuer_for_key


@pytest.mark.django_db
def test_the_demo_writes_a_working_acu_key_for_the_reference_recipient(settings: Any) -> None:
    key_file = settings.DATA_DIR / "reference-recipient.karpear-key"
    key_file.write_text("kp_issuer_stale_0000000000000000")
    call_command("demo", "--if-empty", stdout=io.StringIO())
    key = apikey_check(key_file.read_text().strip(), frozenset({Scope.ISSUER}))
    assert key.organisation.slug == "demo" and issuer_for_key(key).kind == "acu"
    before = key_file.read_text()
    call_command("demo", "--if-empty", stdout=io.StringIO())
    assert key_file.read_text() == before
