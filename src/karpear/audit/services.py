"""Writing and verifying the audit chain. Every other app records through `audit_record`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from karpear.audit.models import AuditEntry, AuditHead
from karpear.orgs.models import Organisation

GENESIS = "0" * 64


def _digest(entry: AuditEntry) -> str:
    payload = json.dumps(
        [
            entry.prev_hash,
            entry.created_at.isoformat(),
            entry.organisation_id,
            entry.actor_id,
            entry.actor_label,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.detail,
            entry.session,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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
    write lock (SQLite, BEGIN IMMEDIATE), so appends are strictly ordered. Runs
    inside the caller's transaction: the entry commits with the change it
    records, or not at all.
    """
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        user = actor if getattr(actor, "pk", None) else None
        entry = AuditEntry(
            organisation=organisation,
            actor=user,
            actor_label=actor_label or (user.get_username() if user else "system"),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            detail=json.loads(json.dumps(detail or {}, default=str)),
            session=session_tag(request),
            created_at=timezone.now().replace(microsecond=0),
            prev_hash=head.last_hash,
        )
        entry.entry_hash = _digest(entry)
        entry.save()
        head.last_hash = entry.entry_hash
        head.count += 1
        head.save(update_fields=["last_hash", "count"])
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""


def audit_verify() -> VerifyResult:
    """Recompute the whole chain; report the first entry that does not fit."""
    prev = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return VerifyResult(
                False,
                checked,
                entry.id,
                "does not follow the entry before it (one was deleted or edited)",
            )
        if _digest(entry) != entry.entry_hash:
            return VerifyResult(False, checked, entry.id, "its content was altered")
        prev = entry.entry_hash
        checked += 1
    head = AuditHead.objects.filter(id=1).first()
    expected_count, expected_hash = (head.count, head.last_hash) if head else (0, GENESIS)
    if checked != expected_count or prev != expected_hash:
        return VerifyResult(
            False,
            checked,
            None,
            f"the chain ends early: {expected_count - checked} newest entries are missing",
        )
    return VerifyResult(True, checked)
