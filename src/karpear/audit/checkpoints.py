"""Signed checkpoints of the audit chain, kept outside the database (issue #15, item 9).

A checkpoint names the newest entry, its MAC and the number of entries, signed with the
deployment's Ed25519 key (core/signing.py, the key `karpear blocklist public-key` prints). They
are appended, one JSON line each, to a file per month in KARPEAR_AUDIT_CHECKPOINT_DIR (default
DATA_DIR/audit-checkpoints; files 0600, directory 0700). Someone who can rewrite the whole
audit table, AuditHead included, still cannot make `karpear audit verify` agree with a
checkpoint copied to another host or a WORM bucket (docs/operations.md, "The audit log").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from karpear.audit.checkpoint_s3 import s3_enabled, s3_lines, s3_put
from karpear.audit.models import AuditEntry, AuditHead
from karpear.core import signing
from karpear.core.appendfile import append_line

KIND = "karpear.audit.checkpoint"
PATTERN = "audit-checkpoints-*.jsonl"


class CheckpointError(Exception):
    """A checkpoint file holds a line that is not a valid checkpoint of this deployment."""


@dataclass(frozen=True)
class Checkpoint:
    entry_id: int
    entry_hash: str
    count: int
    key_id: str
    time: str
    source: str = ""  # "file:line", for messages


def checkpoint_dir() -> Path:
    configured = settings.KARPEAR_AUDIT_CHECKPOINT_DIR
    return Path(configured) if configured else Path(settings.DATA_DIR) / "audit-checkpoints"


def _last_line(directory: Path) -> str:
    files = sorted(directory.glob(PATTERN))
    if not files:
        return ""
    lines = files[-1].read_text(encoding="utf-8").splitlines()
    return lines[-1] if lines else ""


def checkpoint_write(*, directory: Path | None = None, force: bool = False) -> Checkpoint | None:
    """Sign the chain's head and append it to this month's file.

    Returns None when the log is empty, or (unless `force`) when the newest checkpoint already
    names the newest entry, so an idle deployment does not grow the files every hour. Lock:
    the AuditHead row FOR UPDATE for the two reads only, so the entry and the count agree.
    """
    target = directory or checkpoint_dir()
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        last = AuditEntry.objects.order_by("-id").first()
    if last is None:
        return None
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not force:
        try:
            previous = json.loads(_last_line(target) or "{}").get("payload", {})
        except (ValueError, AttributeError):
            previous = {}
        if previous.get("entry_id") == last.id and previous.get("entry_hash") == last.entry_hash:
            return None
    now = timezone.now()
    when = now.isoformat(timespec="seconds")
    payload = {
        "kind": KIND,
        "v": 1,
        "deployment": signing.key_id(signing.public_key_b64()),
        "entry_id": last.id,
        "entry_hash": last.entry_hash,
        "count": head.count,
        "key_id": last.key_id,
        "time": when,
    }
    line = json.dumps(signing.sign(payload), sort_keys=True, separators=(",", ":")) + "\n"
    if s3_enabled():  # first: if the bucket refuses, no local line says it was done
        s3_put(line, entry_id=last.id, when=now)
    path = target / f"audit-checkpoints-{now:%Y-%m}.jsonl"
    append_line(path, line)
    return Checkpoint(last.id, last.entry_hash, head.count, last.key_id, when, path.name)


def latest_checkpoint(*, directory: Path | None = None) -> Checkpoint | None:
    """The newest checkpoint in the local files, its signature checked; None if there is none
    (or the last line is torn or not ours). Reads one line, for monitoring (issue #23)."""
    source = directory or checkpoint_dir()
    line = _last_line(source) if source.is_dir() else ""
    if not line.strip():
        return None
    try:
        return _parse(line, "latest", [signing.public_key_b64()])
    except CheckpointError:
        return None


@dataclass(frozen=True)
class CheckpointFiles:
    points: list[Checkpoint]
    torn: list[str]  # "file:line" of lines that are not JSON at all (a crash mid-write)


def _parse(line: str, where: str, public_keys: Sequence[str]) -> Checkpoint | None:
    try:
        envelope = json.loads(line)
    except ValueError:
        # Skipping is safe: an unreadable line proves nothing either way, like a missing one.
        return None
    for public_key in public_keys:
        try:
            payload = signing.verify(envelope, public_key)
            break
        except signing.BadSignature:
            continue
    else:
        raise CheckpointError(
            f"checkpoint {where} is not signed by this deployment's key "
            "(forged, or signed by an older key: pass it with --public-key)"
        )
    try:
        if payload["kind"] != KIND:
            raise CheckpointError(f"checkpoint {where} is not an audit checkpoint")
        return Checkpoint(
            entry_id=int(payload["entry_id"]),
            entry_hash=str(payload["entry_hash"]),
            count=int(payload["count"]),
            key_id=str(payload.get("key_id", "")),
            time=str(payload["time"]),
            source=where,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {where} lacks a field: {exc}") from exc


def checkpoints_read(
    *, directory: Path | None = None, public_keys: Sequence[str] = ()
) -> CheckpointFiles:
    """Every checkpoint in the directory, oldest first; CheckpointError on any line that is
    JSON but not a valid signed checkpoint. Lines that are not JSON are listed as torn.

    Signatures are checked against the deployment's current key and any `public_keys` given
    (older keys after a rotation, or the key as recorded elsewhere). Without `directory`, the
    configured directory and, if set, the checkpoint bucket are both read.
    """
    source = directory or checkpoint_dir()
    keys = [signing.public_key_b64(), *public_keys]
    lines: list[tuple[str, str]] = []
    for path in sorted(source.glob(PATTERN)) if source.is_dir() else []:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            lines.append((f"{path.name}:{number}", line))
    if directory is None and s3_enabled():
        lines.extend(s3_lines())
    found = CheckpointFiles([], [])
    seen: set[tuple[int, str, str]] = set()
    for where, line in lines:
        if not line.strip():
            continue
        point = _parse(line, where, keys)
        if point is None:
            found.torn.append(where)
        elif (point.entry_id, point.entry_hash, point.time) not in seen:  # local and S3 copy
            seen.add((point.entry_id, point.entry_hash, point.time))
            found.points.append(point)
    return found
