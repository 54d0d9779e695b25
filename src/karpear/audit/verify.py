"""Recomputing the audit chain and holding it against the exported checkpoints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from karpear.audit.chain import GENESIS, plain_hash, seal
from karpear.audit.checkpoints import (
    Checkpoint,
    CheckpointError,
    CheckpointFiles,
    checkpoints_read,
)
from karpear.audit.keys import AuditKey, known_keys
from karpear.audit.models import AuditEntry, AuditHead


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""
    legacy: int = 0  # entries from before the keyed chain (plain SHA-256)
    first_keyed_id: int | None = None
    checkpoints: int = 0  # exported checkpoints the chain was held against
    last_checkpoint_id: int | None = None
    torn_checkpoint_lines: tuple[str, ...] = ()  # "file:line" not readable as JSON (skipped)


class _Bad(Exception):
    def __init__(self, entry_id: int | None, problem: str) -> None:
        super().__init__(problem)
        self.entry_id = entry_id
        self.problem = problem


@dataclass
class _Walk:
    checked: int = 0
    legacy: int = 0
    first_keyed_id: int | None = None
    matched: int = 0
    last_checkpoint_id: int | None = None
    keys: dict[str, AuditKey] = field(default_factory=known_keys)


def _check_entry(entry: AuditEntry, prev: str, walk: _Walk) -> None:
    if entry.prev_hash != prev:
        raise _Bad(entry.id, "does not follow the entry before it (one was deleted or edited)")
    if entry.key_id:
        key = walk.keys.get(entry.key_id)
        if key is None:
            raise _Bad(
                entry.id,
                f"is sealed with key id {entry.key_id}, which is not configured: a forgery, "
                "or an old key was dropped from KARPEAR_AUDIT_KEYS",
            )
        if seal(entry, key) != entry.entry_hash:
            raise _Bad(entry.id, "its content was altered (its MAC does not match)")
        walk.first_keyed_id = walk.first_keyed_id or entry.id
    else:
        if walk.first_keyed_id is not None:
            raise _Bad(
                entry.id,
                "carries a plain hash although the keyed chain began at entry "
                f"{walk.first_keyed_id}: it was rewritten by someone without the audit key",
            )
        if plain_hash(entry) != entry.entry_hash:
            raise _Bad(entry.id, "its content was altered")
        walk.legacy += 1


def _walk(checkpoints: list[Checkpoint], walk: _Walk) -> None:
    """1. follow the links and MACs entry by entry; 2. whenever an entry is named by a
    checkpoint, it must carry the checkpointed MAC at the checkpointed position; 3. every
    checkpointed entry must still be there."""
    pending = sorted(checkpoints, key=lambda c: c.entry_id)
    prev, index = GENESIS, 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if index < len(pending) and pending[index].entry_id < entry.id:
            gone = pending[index]
            raise _Bad(gone.entry_id, f"is gone, yet the checkpoint of {gone.time} names it")
        _check_entry(entry, prev, walk)
        walk.checked += 1
        while index < len(pending) and pending[index].entry_id == entry.id:
            point = pending[index]
            if point.entry_hash != entry.entry_hash or point.count != walk.checked:
                raise _Bad(
                    entry.id,
                    f"differs from the checkpoint of {point.time} ({point.source}): the log "
                    "was rewritten (entries deleted and the chain recomputed) up to here",
                )
            walk.matched += 1
            walk.last_checkpoint_id = entry.id
            index += 1
        prev = entry.entry_hash
    if index < len(pending):
        gone = pending[index]
        raise _Bad(
            gone.entry_id,
            f"is gone, yet the checkpoint of {gone.time} names it: the newest entries were cut off",
        )
    head = AuditHead.objects.filter(id=1).first()
    expected_count, expected_hash = (head.count, head.last_hash) if head else (0, GENESIS)
    if walk.checked != expected_count or prev != expected_hash:
        raise _Bad(
            None,
            f"the chain ends early: {expected_count - walk.checked} newest entries are missing",
        )


def audit_verify(
    *,
    checkpoint_dir: Path | None = None,
    use_checkpoints: bool = True,
    public_keys: Sequence[str] = (),
) -> VerifyResult:
    """Recompute the whole chain with the audit keys, hold it against the exported
    checkpoints (KARPEAR_AUDIT_CHECKPOINT_DIR unless `checkpoint_dir`), and report the first
    entry that does not fit."""
    files = CheckpointFiles([], [])
    try:
        if use_checkpoints:
            files = checkpoints_read(directory=checkpoint_dir, public_keys=public_keys)
    except CheckpointError as exc:
        return VerifyResult(False, 0, None, str(exc))
    walk = _Walk()
    try:
        _walk(files.points, walk)
    except _Bad as bad:
        return VerifyResult(False, walk.checked, bad.entry_id, bad.problem)
    return VerifyResult(
        True,
        walk.checked,
        legacy=walk.legacy,
        first_keyed_id=walk.first_keyed_id,
        checkpoints=walk.matched,
        last_checkpoint_id=walk.last_checkpoint_id,
        torn_checkpoint_lines=tuple(files.torn),
    )
