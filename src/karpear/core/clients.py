"""Identify a client for rate limiting without keeping its IP address.

Principle "no raw IP addresses kept": the address is turned into a keyed
hash the moment it is read, and only the hash is used or stored.

The key rotates every UTC day (issue #15, item 16): it is
HMAC(secret from the data directory, the day), so the same address gives
unrelated hashes on different days and the rate-limit table cannot link one
client's visits over days, even before its rows expire. A window that spans
midnight starts afresh for everyone: a limit is at most twice as lenient for
one window a day.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, date, datetime
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone


def client_address(request: HttpRequest) -> str:
    """The client's address, trusting X-Forwarded-For only from configured proxies."""
    proxies = settings.KARPEAR_TRUSTED_PROXIES
    if proxies > 0:
        header = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
        forwarded = [p.strip() for p in header.split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR") or "")


def purpose_key(purpose: str) -> bytes:
    """HMAC(the client-hash secret, purpose): a key of its own for each use of the secret."""
    return _purpose_key(settings.KARPEAR_CLIENT_HASH_KEY, purpose)


@lru_cache(maxsize=64)
def _purpose_key(secret: str, purpose: str) -> bytes:
    """Kept per process (issue #24, u2): the day's key was worked out twice per report. The
    secret is part of the cache's key, so a changed secret is never answered from it."""
    return hmac.new(secret.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).digest()


def keyed_digest(purpose: str, value: str) -> str:
    """HMAC-SHA256 (hex) of value under purpose_key(purpose): finds a row again by a value
    (a work address, a participant's code) without the value being readable in the database,
    and the same value gives unrelated digests for different purposes."""
    return hmac.new(purpose_key(purpose), value.encode("utf-8"), hashlib.sha256).hexdigest()


def day_key(day: date) -> bytes:
    """The day's key: HMAC(secret, "client-key|YYYY-MM-DD")."""
    return purpose_key(f"client-key|{day.isoformat()}")


def client_key(request: HttpRequest, *, now: datetime | None = None) -> str:
    """The client's address under the day's key (UTC day of `now`)."""
    moment = now or timezone.now()
    digest = hmac.new(
        day_key(moment.astimezone(UTC).date()),
        client_address(request).encode("utf-8"),
        hashlib.sha256,
    )
    return digest.hexdigest()[:32]
