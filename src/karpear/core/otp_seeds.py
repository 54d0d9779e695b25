"""TOTP seeds encrypted at rest with the field keys (issue #15, item 11).

django-otp's TOTPDevice keeps its seed as hex in `otp_totp_totpdevice.key`,
so a copy of the database would let anyone compute every staff member's
one-time codes. The seed is sealed instead (core.crypto.seal_compact,
AES-256-GCM under a key derived from the field keys): "ks1:" and 64 base64
characters for Karpear's 20-byte seeds, within the column's 80 characters.

The device model belongs to django-otp, so rather than a model of our own
(which every sign-in path, test and the admin would have to learn), the one
field changes behaviour when the app registry is ready (`install`): values
are sealed on the way to the database and opened on the way back, so
`device.key` and `device.bin_key` stay plain hex and bytes in memory, and
enrolment (QR code), sign-in, the demo's printed secrets and
`karpear totp-code` work as before. The field still deconstructs as a plain
CharField, so no migration of django-otp's app is needed; core's migration
0002 seals the seeds stored before.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models

from karpear.core.crypto import open_compact, seal_compact

PREFIX = "ks1:"
PURPOSE = b"totp seed"
# 28 bytes sealed (+ 12 nonce + 16 tag) is 75 base64 characters: the most the column holds.
MAX_SEED_BYTES = 28
_HEX = re.compile(r"[0-9a-fA-F]*")


def seal_seed(hex_key: str) -> str:
    """The stored form of a hex seed (already sealed values pass through)."""
    if hex_key.startswith(PREFIX):
        return hex_key
    if not _HEX.fullmatch(hex_key) or len(hex_key) % 2:
        raise ValueError("a TOTP seed must be hexadecimal")
    seed = bytes.fromhex(hex_key)
    if len(seed) > MAX_SEED_BYTES:
        raise ValueError(f"a TOTP seed may have at most {MAX_SEED_BYTES} bytes")
    return PREFIX + seal_compact(seed, purpose=PURPOSE)


def open_seed(stored: str) -> str:
    """The hex seed from its stored form (a seed stored before sealing is returned as is)."""
    if not stored.startswith(PREFIX):
        return stored
    return open_compact(stored[len(PREFIX) :], purpose=PURPOSE).hex()


class SealedSeedField(models.CharField):  # type: ignore[type-arg]
    """TOTPDevice.key once `install` has run: hex in memory, sealed in the database."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return open_seed(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return seal_seed(value) if value else value

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


def install() -> None:
    """Make TOTPDevice.key a SealedSeedField (called from CoreConfig.ready)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    field = TOTPDevice._meta.get_field("key")
    if not isinstance(field, SealedSeedField):
        field.__class__ = SealedSeedField
