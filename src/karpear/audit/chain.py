"""How an entry is sealed: the one encoding both writing and verifying use."""

from __future__ import annotations

import hashlib
import json

from karpear.audit.keys import AuditKey
from karpear.audit.models import AuditEntry

GENESIS = "0" * 64


def _payload(entry: AuditEntry, *prefix: str) -> bytes:
    return json.dumps(
        [
            *prefix,
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
    ).encode("utf-8")


def plain_hash(entry: AuditEntry) -> str:
    """The unkeyed SHA-256 of entries written before the keyed chain (kept to verify them)."""
    return hashlib.sha256(_payload(entry)).hexdigest()


def seal(entry: AuditEntry, key: AuditKey) -> str:
    """The entry's HMAC-SHA256 under `key`; the key id is sealed too, so it cannot be swapped."""
    return key.mac(_payload(entry, key.key_id))
