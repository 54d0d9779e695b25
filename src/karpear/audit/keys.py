"""The audit chain's MAC keys (issue #15, item 9).

Entries are sealed with HMAC-SHA256 under a key that never enters the database, so someone with
only database access cannot recompute the chain after editing, deleting or re-chaining entries.

The secrets come from KARPEAR_AUDIT_KEYS (comma-separated, newest first; or its _FILE variant);
without it they are derived from SECRET_KEY and SECRET_KEY_FALLBACKS. Each secret goes through
HKDF with a context of its own, so the audit key is independent of every other use of the same
secret. Every entry stores the short id of the key that sealed it: rotating means prepending a
new secret and keeping the old ones listed for as long as their entries must verify.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_CONTEXT = b"karpear audit chain mac v1"


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    secret: bytes

    def mac(self, message: bytes) -> str:
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()


@lru_cache(maxsize=16)
def _derive(secret: str) -> AuditKey:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT).derive(
        secret.encode("utf-8")
    )
    # The id is itself a MAC, so it names the key without helping anyone guess it.
    key_id = hmac.new(raw, b"key id", hashlib.sha256).hexdigest()[:12]
    return AuditKey(key_id=key_id, secret=raw)


def _secrets() -> list[str]:
    configured = list(getattr(settings, "KARPEAR_AUDIT_KEYS", []) or [])
    if configured:
        return configured
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def current_key() -> AuditKey:
    """The key that seals new entries: the first configured one."""
    return _derive(_secrets()[0])


def known_keys() -> dict[str, AuditKey]:
    """Every key an existing entry may have been sealed with, by id."""
    return {key.key_id: key for key in (_derive(secret) for secret in _secrets())}
