"""Report reference codes: unguessable, easy to read aloud, typo-checked.

Twelve characters from Crockford's base-32 alphabet (digits and capitals
without I, L, O, U, so nothing looks alike), shown as three groups of four:
`7K3M-9QHT-2XW4`. Eleven are random (55 bits, so a reference cannot be
guessed, and status look-ups are rate limited besides); the last is a Luhn
mod 32 check character that catches any single wrong character and most swaps
of neighbours, so a mistyped code says "check the code" rather than showing
someone else's report.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
# Crockford's reading rules: letters people confuse map to the digit.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
RANDOM_LENGTH = 11


def _check_character(body: str) -> str:
    total = 0
    factor = 2
    for char in reversed(body):
        addend = factor * _INDEX[char]
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def new_reference() -> str:
    # One read of the system's random source: each byte's low five bits pick a character
    # (256 is a multiple of 32, so every character is equally likely, as with
    # secrets.choice, which read the source once per character: issue #24, u2).
    body = "".join(ALPHABET[b & 31] for b in secrets.token_bytes(RANDOM_LENGTH))
    return format_reference(body + _check_character(body))


def format_reference(compact: str) -> str:
    return "-".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def parse_reference(text: str) -> str | None:
    """Return the formatted reference, or None when it is not a valid code."""
    compact = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    if len(compact) != RANDOM_LENGTH + 1 or any(c not in _INDEX for c in compact):
        return None
    if _check_character(compact[:-1]) != compact[-1]:
        return None
    return format_reference(compact)
