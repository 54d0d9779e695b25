"""The deployment's Ed25519 signing key: blocklist versions (issue #7) and packages for the MPTC.

The private key is derived with HKDF from one secret (KARPEAR_SIGNING_KEY, or a
file generated once in the data directory), so nothing but that secret needs
backing up. Rotating the secret changes the public key: subscribers must be
given the new one (docs/operations.md, "Key rotation").

Signatures cover the canonical JSON encoding of a payload (sorted keys, no
spaces, ASCII only), so a verifier re-encodes what it parsed and checks that.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class BadSignature(Exception):
    """The signature does not match the payload, or the key is not a valid Ed25519 key."""


def canonical_json(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )


@lru_cache(maxsize=64)
def _private_key(secret: str, context: str = "") -> Ed25519PrivateKey:
    info = b"karpear ed25519 signing v1" + (b"/" + context.encode("utf-8") if context else b"")
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        secret.encode("utf-8")
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def _key(context: str = "") -> Ed25519PrivateKey:
    """The deployment's key, or with a context (e.g. "org:acme") one organisation's own key."""
    return _private_key(settings.KARPEAR_SIGNING_KEY, context)


def public_key_b64(context: str = "") -> str:
    raw = (
        _key(context)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode("ascii")


def key_id(public_key: str) -> str:
    """A short name for a public key, shown beside it so people can compare keys by eye."""
    return hashlib.sha256(public_key.encode("ascii")).hexdigest()[:16]


def sign(payload: Any, *, context: str = "") -> dict[str, Any]:
    """Wrap `payload` in a signed envelope."""
    public = public_key_b64(context)
    signature = _key(context).sign(canonical_json(payload))
    return {
        "payload": payload,
        "signature": base64.b64encode(signature).decode("ascii"),
        "key_id": key_id(public),
    }


def verify(envelope: Any, public_key: str) -> Any:
    """Return the payload of a signed envelope, or raise BadSignature."""
    if not isinstance(envelope, dict) or not {"payload", "signature"} <= envelope.keys():
        raise BadSignature("not a signed envelope")
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        signature = base64.b64decode(str(envelope["signature"]), validate=True)
        key.verify(signature, canonical_json(envelope["payload"]))
    except (InvalidSignature, ValueError) as exc:
        raise BadSignature("the signature does not match this publisher's key") from exc
    return envelope["payload"]
