"""What production refuses to start with (issue #15, item 10).

Imported by settings (karpear/config/keys.py), so it depends on nothing but the standard library.
Every message names the variable and the rule, never the value: start-up
errors end up in logs and support tickets (docs/operations.md, "Production
start-up checks").

The rule for a secret given as text (SECRET_KEY, KARPEAR_FIELD_KEYS,
KARPEAR_CLIENT_HASH_KEY, KARPEAR_SIGNING_KEY, KARPEAR_EVIDENCE_KEK) is that it
must carry at least 32 random bytes (256 bits), estimated from its text:

1. not a placeholder or demo value (known values, or text such as "changeme",
   "insecure", "example", "password");
2. length * bits per character ≥ 256, where a character is worth 4 bits if the
   whole value is hexadecimal, 6 bits if it is base64/base64url, 6.5 otherwise
   (so 64 hex digits, or 43 base64 characters, as `openssl rand -base64 32` or
   `python -c "import secrets; print(secrets.token_urlsafe(32))"` give);
3. not a repeated pattern ("abcd" * 16) and at least 3.0 bits (hex) or 3.5
   bits (other) of Shannon entropy per character (random hex gives ~3.8, never
   below 3.3 in 200,000 draws; random base64 ~4.9, never below 4.2);
4. a value that is not hexadecimal mixes at least two (base64) or three (other
   text) of lower case, upper case, digits and symbols (words strung together
   do not).

An evidence KEK (`id:base64`) must decode to exactly 32 bytes that are not a
repeated pattern and contain at least 16 distinct byte values.
"""

from __future__ import annotations

import base64
import binascii
import math
import string
from collections import Counter

MIN_BITS = 256
# Values shipped in documentation, demos and frameworks' templates.
KNOWN_VALUES = frozenset(
    {
        "karpear-demo-password",
        "django-insecure",
    }
)
PLACEHOLDER_MARKERS = ("changeme", "change-me", "change_me", "insecure", "example", "password")

_HEX = frozenset(string.hexdigits)
_BASE64 = frozenset(string.ascii_letters + string.digits + "+/-_=")


def _repeats(value: str | bytes) -> bool:
    """True when the value is a shorter block repeated (the last copy may be cut short)."""
    length = len(value)
    return any(
        value == (value[:period] * (length // period + 1))[:length]
        for period in range(1, length // 2 + 1)
    )


def _shannon_bits_per_char(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _classes(value: str) -> int:
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )


def text_secret_weakness(value: str) -> str | None:
    """Why `value` is too weak to be a production secret, or None if it passes."""
    lowered = value.lower()
    if not value:
        return "is empty"
    if lowered in KNOWN_VALUES or any(marker in lowered for marker in PLACEHOLDER_MARKERS):
        return "is a placeholder or demo value"
    chars = set(value)
    if chars <= _HEX:
        bits_per_char = 4.0
    elif chars <= _BASE64:
        bits_per_char = 6.0
    else:
        bits_per_char = 6.5
    if len(value) * bits_per_char < MIN_BITS:
        return "is shorter than 32 random bytes (use at least 43 base64 or 64 hex characters)"
    # Floors well below what random values reach: in 200,000 draws the lowest was 3.35 bits per
    # character for 64 random hex characters and 4.22 for 43 base64 ones (a floor at 3.5 for hex
    # refused about one operator key in a thousand).
    floor = 3.0 if bits_per_char == 4.0 else 3.5
    if _repeats(value) or _shannon_bits_per_char(value) < floor:
        return "is a repeated or low-variety pattern, not random bytes"
    # Words strung together use one or two kinds of character. Random base64 may lack digits and
    # symbols (about one token_urlsafe(32) in 7,700 has only letters), so it needs two kinds;
    # other text (spaces, punctuation) needs three.
    if bits_per_char > 4.0 and _classes(value) < (2 if bits_per_char == 6.0 else 3):
        return "looks like words, not random bytes"
    return None


def kek_weakness(entry: str) -> str | None:
    """Why an evidence KEK entry ("id:base64(32 bytes)") is unusable or weak, or None."""
    kek_id, separator, encoded = entry.partition(":")
    if not separator or not kek_id:
        return "is not written as id:base64(32 bytes)"
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return "is not valid base64"
    if len(key) != 32:
        return "does not decode to exactly 32 bytes"
    if _repeats(key) or len(set(key)) < 16:
        return "is a repeated or low-variety pattern, not random bytes"
    return None
