"""Signed checkpoints exported outside the database (issue #15, item 9).

They catch what no check inside the database can: a rewrite of the whole table, AuditHead
included, and cutting off the newest entries.
"""

from __future__ import annotations

import json
import shutil
import stat
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from karpear.audit.checkpoints import checkpoint_dir, checkpoint_write, checkpoints_read
from karpear.audit.models import AuditEntry, AuditHead
from karpear.audit.services import audit_verify
from karpear.core import signing
from karpear.orgs.models import Organisation
from tests.audit.test_audit_keyed import _entries, _sql, rechain


def _files(directory: Path) -> list[Path]:
    return sorted(directory.glob("audit-checkpoints-*.jsonl"))


def test_a_checkpoint_is_signed_private_and_appended(acme: Organisation, settings: Any) -> None:
    entries = _entries(acme, 3)
    first = checkpoint_write()
    assert first is not None and first.entry_id == entries[-1].id and first.count == 3
    directory = checkpoint_dir()
    assert directory == settings.DATA_DIR / "audit-checkpoints"  # the default
    (path,) = _files(directory)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    envelope = json.loads(path.read_text().splitlines()[0])
    payload = signing.verify(envelope, signing.public_key_b64())
    assert payload["entry_hash"] == entries[-1].entry_hash and payload["count"] == 3
    # Nothing new: no new line; new entries: a second line in the same file.
    assert checkpoint_write() is None
    _entries(acme, 1)
    assert checkpoint_write() is not None
    assert len(path.read_text().splitlines()) == 2
    assert [c.entry_id for c in checkpoints_read().points] == [entries[-1].id, entries[-1].id + 1]


def test_an_empty_log_has_nothing_to_checkpoint(db: None) -> None:
    assert checkpoint_write() is None
    assert not _files(checkpoint_dir())


def test_rewriting_the_whole_log_with_plain_hashes_is_caught_by_a_checkpoint(
    acme: Organisation,
) -> None:
    entries = _entries(acme)
    checkpoint_write()
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].id])
    rechain(entries[0].id, key=None)  # every row, and the head, consistent again
    assert audit_verify(use_checkpoints=False).ok  # nothing inside the database can tell
    result = audit_verify()
    assert not result.ok and result.first_bad_id == entries[-1].id
    assert "checkpoint" in result.problem and "rewritten" in result.problem
    with pytest.raises(CommandError, match=f"FAILED verification at entry {entries[-1].id}"):
        call_command("audit", "verify")


def test_cutting_the_tail_behind_the_last_checkpoint_is_caught(acme: Organisation) -> None:
    entries = _entries(acme)
    checkpoint_write()
    _sql("DELETE FROM audit_auditentry WHERE id >= %s", [entries[3].id])
    AuditHead.objects.filter(id=1).update(last_hash=entries[2].entry_hash, count=3)
    assert audit_verify(use_checkpoints=False).ok
    result = audit_verify()
    assert not result.ok and result.first_bad_id == entries[-1].id
    assert "cut off" in result.problem


def test_deleting_a_checkpointed_entry_names_it(acme: Organisation) -> None:
    entries = _entries(acme, 3)
    checkpoint_write()
    _entries(acme, 2)
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[2].id])
    result = audit_verify()
    assert not result.ok and result.first_bad_id == entries[2].id and "gone" in result.problem


def test_an_edited_checkpoint_is_refused(acme: Organisation) -> None:
    _entries(acme, 2)
    checkpoint_write()
    (path,) = _files(checkpoint_dir())
    envelope = json.loads(path.read_text())
    envelope["payload"]["count"] = 1
    path.write_text(json.dumps(envelope) + "\n")
    result = audit_verify()
    assert not result.ok and "not signed by this deployment" in result.problem


def test_verify_reads_a_copy_given_with_checkpoints(
    acme: Organisation, tmp_path: Path, settings: Any
) -> None:
    entries = _entries(acme)
    checkpoint_write()
    copy = tmp_path / "offsite"
    shutil.copytree(checkpoint_dir(), copy)
    shutil.rmtree(checkpoint_dir())  # the attacker removes the local files too
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].id])
    rechain(entries[0].id, key=None)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "No signed checkpoint found" in out.getvalue()
    with pytest.raises(CommandError, match=f"entry {entries[-1].id}"):
        call_command("audit", "verify", "--checkpoints", str(copy))


def test_checkpoints_signed_by_a_former_key_verify_with_public_key(
    acme: Organisation, settings: Any
) -> None:
    _entries(acme, 2)
    checkpoint_write()
    old_public = signing.public_key_b64()
    settings.KARPEAR_SIGNING_KEY = "the deployment's rotated signing secret"
    with pytest.raises(CommandError, match="not signed by this deployment"):
        call_command("audit", "verify")
    out = StringIO()
    call_command("audit", "verify", "--public-key", old_public, stdout=out)
    assert "1 signed checkpoints match" in out.getvalue()


def test_the_checkpoint_command_and_the_worker_write_checkpoints(
    acme: Organisation, tmp_path: Path, settings: Any
) -> None:
    entries = _entries(acme, 2)
    out = StringIO()
    call_command("audit", "checkpoint", "--dir", str(tmp_path / "cp"), stdout=out)
    assert f"entry {entries[-1].id}, 2 entries" in out.getvalue()
    settings.KARPEAR_AUDIT_CHECKPOINT_DIR = str(tmp_path / "worker-cp")
    call_command("worker", "--once")
    last = AuditEntry.objects.order_by("-id").first()
    assert last is not None
    (point,) = checkpoints_read(directory=tmp_path / "worker-cp").points
    assert point.entry_id == last.id
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "1 signed checkpoints match" in out.getvalue()


def test_a_line_torn_by_a_crash_is_skipped_and_reported(acme: Organisation) -> None:
    _entries(acme, 2)
    checkpoint_write()
    (path,) = _files(checkpoint_dir())
    with path.open("a") as handle:
        handle.write('{"payload": {"entry_id"')  # power lost mid-write
    _entries(acme, 1)
    checkpoint_write()  # starts on a line of its own
    assert len(path.read_text().splitlines()) == 3
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert f"{path.name}:2" in out.getvalue() and "2 signed checkpoints match" in out.getvalue()


def test_a_missing_checkpoint_directory_given_by_hand_is_an_error(
    acme: Organisation, tmp_path: Path
) -> None:
    _entries(acme, 1)
    with pytest.raises(CommandError, match="No such checkpoint directory"):
        call_command("audit", "verify", "--checkpoints", str(tmp_path / "nowhere"))
