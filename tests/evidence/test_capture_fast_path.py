"""Evidence capture's fast path (issue #24): few statements, the object encrypted as it is
written, and nothing left behind when the case is not the caller's."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from karpear.audit.models import AuditEntry
from karpear.audit.services import audit_verify
from karpear.cases.models import Case, CaseEvent
from karpear.core.errors import NotFound
from karpear.evidence import capture, keys
from karpear.evidence.models import CustodyEntry, EvidenceItem
from karpear.evidence.services import evidence_capture, read_plain
from karpear.evidence.storage import backend
from karpear.orgs.models import Organisation
from tests.cast import make_case
from tests.evidence.test_s3_and_disclosure import s3  # noqa: F401 - the fixture

# GCM's 12-byte nonce in front of the ciphertext, its 16-byte tag after it.
OVERHEAD = 12 + 16


def _capture(organisation: Organisation, case: Case, content: bytes) -> EvidenceItem:
    return evidence_capture(
        organisation=organisation,
        case_id=case.pk,
        content=content,
        content_type="application/octet-stream",
        metadata={"owner": "owner-account-7731"},
        source="platform",
        actor="test platform",
    )


def test_a_capture_is_three_statements_before_its_commit_on_postgresql(
    acme: Organisation, case: Case
) -> None:
    """The case lock with the item and its custody entry, the audit head's lock, the audit
    entry with the head's move; it was seven (a case lookup, the lock, two INSERTs and the
    audit entry's three)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite (development) writes row by row")
    _capture(acme, case, b"first item: the case is marked preserved")
    with CaptureQueriesContext(connection) as queries:
        item = _capture(acme, case, b"second item")
    # Inside the test's own transaction the capture's is a savepoint; in production it is
    # the outermost (BEGIN and COMMIT, which Django does not log).
    statements = [str(q["sql"]) for q in queries if "SAVEPOINT" not in str(q["sql"])]
    assert len(statements) == 3, statements
    assert CustodyEntry.objects.filter(item=item, action="capture").count() == 1
    entry = AuditEntry.objects.get(action="evidence_capture", object_id=str(item.pk))
    assert entry.detail["sha256"] == item.sha256 and entry.detail["case"] == case.pk
    assert audit_verify().ok


@pytest.mark.parametrize("where", ["local", "s3"])
def test_an_item_larger_than_the_writers_buffer_is_stored_whole(
    acme: Organisation, case: Case, request: pytest.FixtureRequest, where: str
) -> None:
    """The writer encrypts into a buffer of its own, piece by piece: an item of several
    pieces decrypts to the same bytes and its recorded hashes match them."""
    if where == "s3":
        request.getfixturevalue("s3")
    content = os.urandom(2 * capture._CHUNK + 4321)
    item = _capture(acme, case, content)
    assert item.backend == where
    assert read_plain(item) == content
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.md5 == hashlib.md5(content, usedforsecurity=False).hexdigest()
    stored = backend(where).get(item.object_key)
    assert len(stored) == len(content) + OVERHEAD
    assert content[capture._CHUNK : capture._CHUNK + 64] not in stored
    # moto keeps its buckets in the process, across servers: leave none for the next test.
    backend(where).delete(item.object_key)


def test_a_capture_for_another_organisations_case_leaves_nothing(
    acme: Organisation, bayon: Organisation
) -> None:
    """The object is written while the case is checked; when the case is not the caller's,
    the object is removed again and no row, custody or audit entry names it, and the other
    organisation's case is not marked preserved."""
    foreign = make_case(bayon)
    audit_before = AuditEntry.objects.count()
    for case_id in (foreign.pk, 999_999):
        with pytest.raises(NotFound):
            evidence_capture(
                organisation=acme,
                case_id=case_id,
                content=b"\x89PNG benign",
                content_type="image/png",
                metadata={},
                source="platform",
                actor="test platform",
            )
    vault = Path(settings.DATA_DIR) / "vault"
    assert not list(vault.glob("ev-*"))
    assert not EvidenceItem.objects.exists() and not CustodyEntry.objects.exists()
    assert AuditEntry.objects.count() == audit_before
    foreign.refresh_from_db()
    assert foreign.preserved_at is None
    assert not CaseEvent.objects.filter(case=foreign, kind="preserved").exists()


def test_the_first_item_marks_the_case_preserved_once(acme: Organisation, case: Case) -> None:
    for n in range(3):
        _capture(acme, case, f"item {n}".encode())
    case.refresh_from_db()
    assert case.preserved_at is not None
    assert CaseEvent.objects.filter(case=case, kind="preserved").count() == 1


def test_a_failed_write_rolls_back_the_rows(
    acme: Organisation, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The object's error (here: the encryption failing half way) reaches the caller, and
    neither the rows nor a partial file stay."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        yield b"n" * 12
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keys, "encrypt_chunks", broken)
    with pytest.raises(Exception, match="No space left"):
        _capture(acme, case, b"content")
    assert not EvidenceItem.objects.exists() and not CustodyEntry.objects.exists()
    assert not list((Path(settings.DATA_DIR) / "vault").glob("ev-*"))
