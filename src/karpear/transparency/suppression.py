"""Small numbers that could identify a child are shown as "fewer than N" (issue #9, point 2).

Primary suppression hides every count from 1 to N-1. Secondary suppression then makes sure no
hidden count can be recovered by subtraction: in every breakdown whose parts add up to a shown
total, if exactly one part is hidden, the next smallest part is hidden too (zeros included, since
"total - shown parts" would otherwise reveal the hidden one). Totals below N are hidden as well,
and a median is shown only when it rests on at least N cases.
"""

from __future__ import annotations

from typing import Any

Hidden = str  # "<N"


def hide(value: int, threshold: int) -> int | Hidden:
    return f"<{threshold}" if 0 < value < threshold else value


def breakdown(parts: dict[str, int], threshold: int, total: int | None = None) -> dict[str, Any]:
    """Suppress a set of counts that add up to `total` (their sum when not given)."""
    total = sum(parts.values()) if total is None else total
    shown: dict[str, Any] = {k: hide(v, threshold) for k, v in parts.items()}
    hidden = [k for k, v in shown.items() if isinstance(v, str)]
    if len(hidden) == 1 and hide(total, threshold) == total and len(parts) > 1:
        # One hidden part next to a shown total: hide the smallest other part as well.
        others = sorted((v, k) for k, v in parts.items() if k not in hidden)
        if others:
            shown[others[0][1]] = f"<{threshold}"
    return shown


def timing(stat: dict[str, Any], threshold: int) -> dict[str, Any]:
    """A median and 90th percentile, or nothing when they rest on too few cases."""
    n = int(stat.get("n", 0))
    if n == 0:
        return {"n": 0, "p50": None, "p90": None}
    if n < threshold:
        return {"n": f"<{threshold}", "p50": None, "p90": None}
    return stat
