"""Field-level encryption for personal data (reporter contact details).

Principle "privacy by default": contact details are encrypted at rest. Keys
come from settings.KARPEAR_FIELD_KEYS (first one encrypts, all decrypt), so a
key can be rotated by prepending a new one and running
`karpear rotate-field-key` (docs/operations.md).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
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
