"""Blocklist digests: the order-independent sum over published lines, kept per version."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

_MOD = 2**256


# --- Digests -----------------------------------------------------------------


def _line_sum(lines: Iterable[tuple[Any, ...]]) -> int:
    total = 0
    for line in lines:
        text = "\n".join(str(part) for part in line)
        total += int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")
    return total % _MOD


def _hex(number: int) -> str:
    return f"{number % _MOD:064x}"


def _published(*row: Any) -> list[Any]:
    """(id, kind, value, source code, reference, confirmed date) as the list carries it."""
    entry_id, kind, value, code, ref, day = row
    return [entry_id, kind, value, code, ref, day.isoformat()]
