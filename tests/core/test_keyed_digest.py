"""Keyed digests stored to find rows again (core.clients.keyed_digest) never change their form:
a work address or a participant's code stored before must still be found."""

from __future__ import annotations

from typing import Any

from karpear.core.clients import keyed_digest
from karpear.education.models import Session
from karpear.education.services import code_digest
from karpear.safeguarding.directory import email_digest

KEY = "test-key-for-pinning-digests-0123456789"


def test_a_staff_address_digest_is_the_one_stored_before(settings: Any) -> None:
    settings.KARPEAR_CLIENT_HASH_KEY = KEY
    assert email_digest(" Sok.Dara@ACME.example ") == (
        "1031da56571e771f27c8f0d2004c422e3bbe2e3cf12b0c95280d1edbc50aef8e"
    )


def test_a_participant_code_digest_is_the_one_stored_before(settings: Any) -> None:
    settings.KARPEAR_CLIENT_HASH_KEY = KEY
    assert code_digest(Session(token="TOKEN"), "Lotus 7") == (
        "3439fbe102c48bfac909406d8a4ac8654786093fd65789fabf771eb4f64d0b54"
    )


def test_each_purpose_gives_an_unrelated_digest(settings: Any) -> None:
    settings.KARPEAR_CLIENT_HASH_KEY = KEY
    assert keyed_digest("staff-email v1", "x") != keyed_digest("education-code|TOKEN", "x")
