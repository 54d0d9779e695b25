"""Bar charts drawn on the server as SVG: no script, no third-party request (issue #9, point 3).

Each bar sits in a table row with its label and number as text, so nothing is only in the picture
and Khmer labels are shaped by the HTML renderer, not drawn in SVG.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BAR_MAX = 300  # the longest bar, in pixels


@dataclass(frozen=True)
class Bar:
    label: str
    value: Any  # an int, or "<N" when suppressed
    width: int  # pixels; 0 for a suppressed count


def bars(rows: list[tuple[str, Any]]) -> dict[str, Any]:
    """Bar lengths relative to the largest count; a suppressed count gets no bar."""
    numbers = [v for _, v in rows if isinstance(v, int | float)]
    top = max(numbers, default=0) or 1
    laid = [
        Bar(
            str(label),
            value,
            round(BAR_MAX * value / top) if isinstance(value, int | float) else 0,
        )
        for label, value in rows
    ]
    return {"bars": laid}
