"""Encrypted files on disk for documents that are not evidence (e.g. a notice's scanned letter).

AES-256-GCM with a fresh random data key per file, the data key wrapped by
the field-encryption keys (core.crypto), so rotating those keys covers these
files too. The evidence vault (its own issue) keeps content separately.
"""

from __future__ import annotations

import os
import secrets
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from karpear.core.crypto import decrypt_text, encrypt_text

MAGIC = b"KPF1"


def _directory(kind: str) -> Path:
    path = Path(settings.DATA_DIR) / "files" / kind
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def store_encrypted(kind: str, data: bytes) -> str:
    """Write `data` encrypted; return the file's name. Written to a temp file, then renamed."""
    key = AESGCM.generate_key(bit_length=256)
    nonce = secrets.token_bytes(12)
    wrapped = encrypt_text(key.hex()).encode("ascii")
    blob = (
        MAGIC
        + len(wrapped).to_bytes(2, "big")
        + wrapped
        + nonce
        + AESGCM(key).encrypt(nonce, data, kind.encode())
    )
    name = f"{uuid.uuid4().hex}.bin"
    target = _directory(kind) / name
    temporary = target.with_suffix(".tmp")
    # Owner-only from the first byte (issue #15, item 11), whatever the umask.
    private = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(private, "wb") as handle:
        handle.write(blob)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(target)
    return name


def read_encrypted(kind: str, name: str) -> bytes:
    blob = (_directory(kind) / Path(name).name).read_bytes()
    if blob[:4] != MAGIC:
        raise ValueError("not a Karpear encrypted file")
    size = int.from_bytes(blob[4:6], "big")
    key = bytes.fromhex(decrypt_text(blob[6 : 6 + size].decode("ascii")))
    nonce = blob[6 + size : 18 + size]
    return AESGCM(key).decrypt(nonce, blob[18 + size :], kind.encode())
