"""Tampering, wrong keys, lost objects and key rotation."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from karpear.evidence import keys
from karpear.evidence.models import EvidenceItem
from karpear.evidence.services import integrity_check, read_plain, rotate_kek
from karpear.evidence.storage import StorageError
from tests.evidence.conftest import benign_png


def _object(item: EvidenceItem) -> Path:
    return Path(settings.DATA_DIR) / "vault" / item.object_key


def test_tampered_ciphertext_is_detected(item: EvidenceItem) -> None:
    blob = bytearray(_object(item).read_bytes())
    blob[-5] ^= 0x01
    _object(item).write_bytes(bytes(blob))
    with pytest.raises(keys.KeyError_):
        read_plain(item)
    assert [i for i, _ in integrity_check()] == [item.pk]


def test_a_missing_object_is_reported(item: EvidenceItem) -> None:
    _object(item).unlink()
    with pytest.raises(StorageError):
        read_plain(item)
    assert integrity_check()[0][0] == item.pk


def test_a_wrong_key_does_not_open_anything(item: EvidenceItem, settings: Any) -> None:
    settings.KARPEAR_EVIDENCE_KEKS = ["k1:" + base64.b64encode(secrets.token_bytes(32)).decode()]
    with pytest.raises(keys.KeyError_):
        read_plain(item)


def test_rotation_rewraps_keys_without_touching_content(item: EvidenceItem, settings: Any) -> None:
    before = _object(item).read_bytes()
    new = "k2:" + base64.b64encode(secrets.token_bytes(32)).decode()
    settings.KARPEAR_EVIDENCE_KEKS = [new, *settings.KARPEAR_EVIDENCE_KEKS]
    assert rotate_kek() == 1
    item.refresh_from_db()
    assert item.kek_id == "k2"
    assert _object(item).read_bytes() == before
    settings.KARPEAR_EVIDENCE_KEKS = [new]  # the old KEK can now be dropped
    assert read_plain(item) == benign_png(8)
