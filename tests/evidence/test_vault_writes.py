"""How a capture's object reaches the disk (issue #24, item 6): created under its final name,
its data then its directory entry made durable before the row can commit, never over another
object, and nothing left behind when the disk refuses it."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from karpear.cases.models import Case
from karpear.evidence import storage
from karpear.evidence.models import EvidenceItem
from karpear.evidence.services import evidence_capture
from karpear.orgs.models import Organisation
from tests.evidence.conftest import benign_png


def _capture(acme: Organisation, case: Case) -> EvidenceItem:
    return evidence_capture(
        organisation=acme,
        case_id=case.pk,
        content=benign_png(3),
        content_type="image/png",
        metadata={},
        source="platform",
        actor="test platform",
    )


def test_a_capture_makes_its_object_durable_with_no_rename_before_the_row_commits(
    acme: Organisation, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        steps.append("directory" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    def replace(*args: Any) -> None:
        steps.append("rename")
        real_replace(*args)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    item = _capture(acme, case)
    # The file's data and size, then its directory entry: both before evidence_capture returns
    # (its COMMIT waits for them). No rename, so the directory's fsync has nothing new to write.
    assert steps == ["file", "directory"]
    assert storage.backend().get(item.object_key)  # under its final name


def test_a_new_object_never_goes_over_an_existing_one(tmp_path: Path) -> None:
    vault = storage.LocalBackend(tmp_path)
    vault.put_new("ev-1", b"first")
    with pytest.raises(storage.StorageError):
        vault.put_new("ev-1", b"second")
    assert vault.get("ev-1") == b"first"


def test_a_refused_write_leaves_no_file_and_no_row(
    acme: Organisation, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(storage.StorageError, match="No space left"):
        _capture(acme, case)
    assert EvidenceItem.objects.count() == 0
    assert list(storage.backend().root.iterdir()) == []  # type: ignore[attr-defined]
