"""Identify a client for rate limiting without keeping its IP address.

Principle "no raw IP addresses kept": the address is turned into a keyed
hash (HMAC-SHA256 with a secret from the data directory) the moment it is
read, and only the hash is used or stored.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest


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


def client_key(request: HttpRequest) -> str:
    digest = hmac.new(
        settings.KARPEAR_CLIENT_HASH_KEY.encode("utf-8"),
        client_address(request).encode("utf-8"),
        hashlib.sha256,
    )
    return digest.hexdigest()[:32]
