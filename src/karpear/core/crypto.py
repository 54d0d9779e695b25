"""Field-level encryption for personal data (reporter contact details).

Principle "privacy by default": contact details are encrypted at rest. Keys
come from settings.KARPEAR_FIELD_KEYS (first one encrypts, all decrypt), so a
key can be rotated by prepending a new one and running
`karpear rotate-field-key` (docs/operations.md).
"""

from __future__ import annotations

import base64
import secrets
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _derive(secret: str) -> Fernet:
    # Secrets are arbitrary strings; HKDF turns each into a proper 32-byte key.
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"karpear field encryption v1"
    ).derive(secret.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_derive(k) for k in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.KARPEAR_FIELD_KEYS))


class DecryptionError(Exception):
    """Ciphertext was altered or no configured key opens it."""


def encrypt_text(plain: str) -> str:
    return _current().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError("cannot decrypt field") from exc


# Compact sealing for short secrets that must fit a fixed column (TOTP seeds in
# django-otp's varchar(80), core/otp_seeds.py): AES-256-GCM with a key derived
# from each field key for one purpose, nonce and tag included, base64url.
# The first field key seals; every configured key opens (rotation).
def _compact_key(secret: str, purpose: bytes) -> AESGCM:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"karpear compact seal v1 " + purpose
    ).derive(secret.encode("utf-8"))
    return AESGCM(key)


def seal_compact(plain: bytes, *, purpose: bytes) -> str:
    nonce = secrets.token_bytes(12)
    sealed = nonce + _compact_key(settings.KARPEAR_FIELD_KEYS[0], purpose).encrypt(
        nonce, plain, purpose
    )
    return base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")


def open_compact(token: str, *, purpose: bytes) -> bytes:
    try:
        blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError as exc:
        raise DecryptionError("cannot decrypt field") from exc
    for secret in settings.KARPEAR_FIELD_KEYS:
        try:
            return _compact_key(secret, purpose).decrypt(blob[:12], blob[12:], purpose)
        except InvalidTag:
            continue
    raise DecryptionError("cannot decrypt field")
