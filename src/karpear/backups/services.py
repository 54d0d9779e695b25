"""`karpear backup` and `karpear restore` (issue #23, item 4).

A backup is a directory: the database snapshot, the vault objects it references (as stored:
encrypted), the encrypted files and audit checkpoints, and `manifest.json` naming every file
with its size and SHA-256, signed with the deployment's key. Keys are never in it (back them
up apart: docs/operations.md). A restore goes into an empty database and data directory, then
at once destroys what the law required to be gone since: evidence destroyed or contacts
erased after the backup (the erasure journal, backups/journal.py), evidence whose retention
ended and contacts whose retention ended meanwhile, and finally checks integrity and the
audit chain.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from karpear.audit.checkpoints import checkpoint_dir, checkpoint_write
from karpear.audit.models import AuditHead
from karpear.audit.services import audit_record
from karpear.audit.verify import audit_verify
from karpear.backups import dumps
from karpear.backups.journal import erasures_since
from karpear.cases.restore import erase_contacts_again
from karpear.cases.services import erase_expired_contacts
from karpear.core import signing
from karpear.evidence.models import EvidenceItem
from karpear.evidence.restore import destroy_again, object_read, object_write
from karpear.evidence.services import integrity_check, purge_expired, purge_resume

FORMAT = "karpear.backup"
MANIFEST = "manifest.json"
JOURNAL_MARGIN = timedelta(minutes=1)


class BackupError(Exception):
    """A backup that cannot be taken or restored; the message says why."""


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _copy_tree(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)


def backup_create(*, target: Path) -> dict[str, Any]:
    """Write a backup into `target` (a new or empty directory); returns the manifest.

    1. audit checkpoints are copied first: the snapshot, taken after, holds every entry
       they name, so `audit verify` passes on the restored copy;
    2. the database snapshot, and in the same consistent view the vault objects it
       references (items not destroyed) and the audit chain's head;
    3. those objects, copied as stored (encrypted), and the encrypted files;
    4. the signed manifest, written last: a backup without one is incomplete.
    """
    target = target.resolve()
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkdir's mode does not apply to a folder that already exists (often 0755): the backup
    # holds password hashes and one-time-code keys, so only its owner may enter it.
    target.chmod(0o700)
    _copy_tree(checkpoint_dir(), target / "checkpoints")
    taken_at = timezone.now()
    database = target / ("database.sqlite3" if dumps.engine() == "sqlite" else "database.pgdump")
    table = EvidenceItem._meta.db_table
    with dumps.snapshot(database) as read:
        objects = read(
            f"SELECT object_key, backend FROM {table} "  # noqa: S608 - a model's table name
            "WHERE destroyed_at IS NULL AND wrapped_key <> '' ORDER BY id"
        )
        head = read(
            f"SELECT count, last_hash FROM {AuditHead._meta.db_table} WHERE id = 1"  # noqa: S608
        )
    database.chmod(0o600)  # sqlite3 and pg_dump create it with the umask (often 0644)
    for key, backend in objects:
        _write(target / "objects" / backend / key, object_read(backend=backend, key=key))
    _copy_tree(Path(settings.DATA_DIR) / "files", target / "files")
    files = {
        str(path.relative_to(target)): {"size": path.stat().st_size, "sha256": _sha256(path)}
        for path in sorted(target.rglob("*"))
        if path.is_file()
    }
    manifest = {
        "kind": FORMAT,
        "v": 1,
        "taken_at": taken_at.isoformat(),
        "engine": dumps.engine(),
        "database": database.name,
        "objects": [[backend, key] for key, backend in objects],
        "audit": {"count": head[0][0], "last_hash": head[0][1]} if head else None,
        "files": files,
    }
    envelope = signing.sign(manifest)
    _write(target / MANIFEST, json.dumps(envelope, indent=1, sort_keys=True).encode())
    return manifest


def backup_check(*, source: Path) -> dict[str, Any]:
    """The manifest, once its signature and every file's size and SHA-256 check out."""
    try:
        envelope = json.loads((source / MANIFEST).read_text())
        manifest: dict[str, Any] = signing.verify(envelope, signing.public_key_b64())
    except FileNotFoundError as exc:
        raise BackupError(f"{source} has no {MANIFEST}: not a complete backup") from exc
    except (ValueError, signing.BadSignature) as exc:
        raise BackupError(
            f"{MANIFEST} is not signed by this deployment's key (altered, or another "
            "deployment's backup: restore with its KARPEAR_SIGNING_KEY)"
        ) from exc
    if manifest.get("kind") != FORMAT:
        raise BackupError(f"{MANIFEST} does not describe a Karpear backup")
    for name, expected in manifest["files"].items():
        path = source / name
        if not path.is_file() or path.stat().st_size != expected["size"]:
            raise BackupError(f"{name} is missing or has the wrong size")
        if _sha256(path) != expected["sha256"]:
            raise BackupError(f"{name} does not match its SHA-256")
    return manifest


@dataclass
class RestoreResult:
    taken_at: datetime
    objects: int
    destroyed_again: list[int] = field(default_factory=list)
    erased_again: list[int] = field(default_factory=list)
    retention_destroyed: list[int] = field(default_factory=list)
    contacts_erased: int = 0
    refused_journal_lines: list[str] = field(default_factory=list)
    integrity_problems: list[tuple[int, str]] = field(default_factory=list)
    audit_ok: bool = False
    audit_problem: str = ""

    @property
    def ok(self) -> bool:
        return self.audit_ok and not self.integrity_problems


def backup_restore(*, source: Path) -> RestoreResult:
    """Restore a backup into the empty configured database and data directory.

    1. check the manifest's signature and every file's hash, and that the database is empty;
    2. load the snapshot, then migrate it to this version's schema;
    3. put the vault objects back, then the encrypted files and checkpoints;
    4. destroy again what the erasure journal says was destroyed or erased after the backup,
       then whatever retention ended meanwhile (guidelines 2.6 c), finishing interrupted ones;
    5. record the restore in the audit log, sign a checkpoint, check integrity and the chain.
    """
    source = source.resolve()
    manifest = backup_check(source=source)
    if manifest["engine"] != dumps.engine():
        raise BackupError(
            f"this backup holds a {manifest['engine']} database; the configured one is "
            f"{dumps.engine()}"
        )
    if not dumps.is_empty():
        raise BackupError("the configured database is not empty: restore only into a new one")
    existing_checkpoints = checkpoint_dir()
    if existing_checkpoints.is_dir() and any(existing_checkpoints.iterdir()):
        raise BackupError(f"{existing_checkpoints} is not empty: restore into a new data directory")
    dumps.load(source / manifest["database"])
    connection.close()
    call_command("migrate", interactive=False, verbosity=0)
    for backend, key in manifest["objects"]:
        object_write(
            backend=backend, key=key, data=(source / "objects" / backend / key).read_bytes()
        )
    _copy_tree(source / "files", Path(settings.DATA_DIR) / "files")
    _copy_tree(source / "checkpoints", existing_checkpoints)
    taken_at = datetime.fromisoformat(manifest["taken_at"])
    result = RestoreResult(taken_at=taken_at, objects=len(manifest["objects"]))
    # Audit times are whole seconds: a margin re-applies a little before the backup too,
    # which is harmless (an erasure already in the backup finds nothing left to erase).
    journal = erasures_since(taken_at - JOURNAL_MARGIN)
    result.refused_journal_lines = journal.refused
    result.destroyed_again = destroy_again(
        items=journal.items, reason="destroyed after the backup this was restored from"
    )
    result.erased_again = erase_contacts_again(cases=journal.cases)
    purge_resume()
    result.retention_destroyed = purge_expired().destroyed
    result.contacts_erased = erase_expired_contacts()
    audit_record(
        action="backup_restored",
        organisation=None,
        actor_label="restore",
        detail={
            "taken_at": manifest["taken_at"],
            "objects": result.objects,
            "destroyed_again": result.destroyed_again,
            "erased_again": result.erased_again,
            "retention_destroyed": result.retention_destroyed,
        },
    )
    checkpoint_write(force=True)
    result.integrity_problems = integrity_check()
    verified = audit_verify()
    result.audit_ok, result.audit_problem = verified.ok, verified.problem
    return result
