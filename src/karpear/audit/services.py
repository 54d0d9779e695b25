"""Writing and verifying the audit chain. Every other app records through `audit_record`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models.signals import post_save
from django.http import HttpRequest
from django.utils import timezone

from karpear.audit.chain import GENESIS, plain_hash, seal
from karpear.audit.keys import current_key
from karpear.audit.models import AuditEntry, AuditHead
from karpear.audit.verify import VerifyResult, audit_verify
from karpear.core.inserts import json_insert
from karpear.core.rows import fetch_one, mark_saved
from karpear.orgs.models import Organisation

__all__ = [
    "GENESIS",
    "AuditIn",
    "LockedHead",
    "VerifyResult",
    "audit_head_lock_sql",
    "audit_record",
    "audit_record_many",
    "audit_verify",
    "session_tag",
]

# "cli:<os user>" while a state-changing management command runs (audit/cli.py): entries its
# services write with no user and a generic label name the person at the console instead.
default_actor_label: ContextVar[str] = ContextVar("audit_default_actor", default="")
_GENERIC_LABELS = frozenset({"", "system", "cli", "command line"})


def _label(user: Any, actor_label: str) -> str:
    if user is None and default_actor_label.get() and actor_label in _GENERIC_LABELS:
        return default_actor_label.get()
    return actor_label or (user.get_username() if user else "system")


def _digest(entry: AuditEntry) -> str:
    """The plain SHA-256 of entries from before the keyed chain (chain.plain_hash)."""
    return plain_hash(entry)


def session_tag(request: HttpRequest | None) -> str:
    """A short hash naming the session, so entries from one sign-in can be grouped."""
    key = getattr(getattr(request, "session", None), "session_key", None) or ""
    return hashlib.sha256(key.encode()).hexdigest()[:16] if key else ""


def audit_record(
    *,
    action: str,
    organisation: Organisation | None,
    actor: Any = None,
    actor_label: str = "",
    object_type: str = "",
    object_id: str | int = "",
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry to the chain.

    Lock: takes the AuditHead row FOR UPDATE (PostgreSQL) or the database
    write lock (SQLite, BEGIN IMMEDIATE), so appends are strictly ordered.
    Lock order, the same in every transaction (else two can each wait for the other and
    PostgreSQL fails one with "deadlock detected"): first the case rows (FOR UPDATE, in id
    order: a notice's takedown, a report's open-or-join, evidence capture's
    `cases.preservation.case_lock_for_preservation`), then any other row the change locks
    (an evidence item, a notice), and the audit head LAST. A caller that writes an entry and
    then touches a case row (an UPDATE, or a new row pointing at it: its foreign key is checked
    FOR KEY SHARE at COMMIT) must lock that case first. Runs
    inside the caller's transaction: the entry commits with the change it
    records, or not at all. No savepoint of its own (issue #24: two round trips per entry on
    every notice and report): an error here rolls back the caller's whole transaction, which
    is what "or not at all" means anyway.
    """
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        user = actor if getattr(actor, "pk", None) else None
        entry = AuditEntry(
            organisation=organisation,
            actor=user,
            actor_label=_label(user, actor_label),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            detail=json.loads(json.dumps(detail or {}, default=str)),
            session=session_tag(request),
            created_at=timezone.now().replace(microsecond=0),
            prev_hash=head.last_hash,
        )
        key = current_key()
        entry.key_id = key.key_id
        entry.entry_hash = seal(entry, key)
        entry.save()
        head.last_hash = entry.entry_hash
        head.count += 1
        head.save(update_fields=["last_hash", "count"])
    return entry


@dataclass(frozen=True)
class AuditIn:
    """One entry for `audit_record_many`: the same fields as `audit_record`'s arguments."""

    action: str
    organisation: Organisation | None
    actor: Any = None
    actor_label: str = ""
    object_type: str = ""
    object_id: str | int = ""
    detail: dict[str, Any] | None = None
    request: HttpRequest | None = None


@dataclass(frozen=True)
class LockedHead:
    """The chain's head as a caller's own statement read it, locked (`audit_head_lock_sql`)."""

    last_hash: str
    count: int


def audit_head_lock_sql(condition: str = "TRUE") -> str:
    """A SELECT of the head's (last_hash, count) that locks it FOR UPDATE when `condition`
    (SQL, no value) holds: for a caller whose LAST write statement may take the head lock
    itself, in the same round trip (issue #24, u1: a notice's rows and the head's lock went
    as two statements). The caller passes what it read to `audit_record_many(head=...)`.
    Lock order as `audit_record`: the statement must not lock any row after the head (its
    other parts only insert new rows, whose foreign keys point at rows the caller already
    holds), and `condition` lets it take no lock at all when its writes were refused."""
    table = AuditHead._meta.db_table
    return f"SELECT last_hash, count FROM {table} WHERE id = 1 AND ({condition}) FOR UPDATE"  # noqa: S608 - names only


def audit_record_many(
    entries: Sequence[AuditIn], *, head: LockedHead | None = None
) -> list[AuditEntry]:
    """Append several entries in order with one lock of the head and one INSERT (issue #24).

    The same chain as calling `audit_record` once per entry (each entry sealed over the
    previous one's MAC), in three statements whatever the number of entries: a notice's
    receipt and each of its takedown decisions, or a batch of notices, take the head lock
    once. Lock and transaction as `audit_record`. `post_save` is sent for each entry, as
    `save()` would (the erasure journal listens to it). `head`: the head as the caller's
    statement already read and locked it in this transaction (`audit_head_lock_sql`; PostgreSQL
    only), so the lock is not asked for again: one statement less.
    """
    if not entries:
        return []
    with transaction.atomic(savepoint=False):
        if head is not None and connection.vendor == "postgresql":
            head_row = AuditHead(id=1, last_hash=head.last_hash, count=head.count)
            mark_saved([head_row])
        else:
            head_row, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        key = current_key()
        now = timezone.now().replace(microsecond=0)
        rows = []
        previous = head_row.last_hash
        for spec in entries:
            user = spec.actor if getattr(spec.actor, "pk", None) else None
            entry = AuditEntry(
                organisation=spec.organisation,
                actor=user,
                actor_label=_label(user, spec.actor_label),
                action=spec.action,
                object_type=spec.object_type,
                object_id=str(spec.object_id),
                detail=json.loads(json.dumps(spec.detail or {}, default=str)),
                session=session_tag(spec.request),
                created_at=now,
                prev_hash=previous,
                key_id=key.key_id,
            )
            entry.entry_hash = previous = seal(entry, key)
            rows.append(entry)
        head_row.last_hash = previous
        head_row.count += len(rows)
        if connection.vendor == "postgresql":
            _insert_and_move_head(rows, head_row)
        else:
            AuditEntry.objects.bulk_create(rows)
            head_row.save(update_fields=["last_hash", "count"])
        for entry in rows:
            post_save.send(
                sender=AuditEntry,
                instance=entry,
                created=True,
                update_fields=None,
                raw=False,
                using=entry._state.db,
            )
    return rows


def _insert_and_move_head(rows: list[AuditEntry], head: AuditHead) -> None:
    """The entries' INSERT and the head's UPDATE as one statement on PostgreSQL (issue #24:
    one round trip less while the head is locked); the entries get their ids, in order (the
    head lock serialises inserts, so the ids drawn for one statement are in row order)."""
    insert, params = json_insert(rows)
    table = AuditHead._meta.db_table
    found = fetch_one(
        f"WITH e AS ({insert} RETURNING id) UPDATE {table} SET last_hash = %s, count = %s "  # noqa: S608 - names only
        "WHERE id = %s RETURNING ARRAY(SELECT id FROM e ORDER BY id)",
        [*params, head.last_hash, head.count, head.pk],
    )
    for entry, pk in zip(rows, found[0], strict=True):
        entry.pk = pk
    mark_saved(rows)
