"""Charts of the impact page drawn on the server as SVG (no script, no third-party request).

As in transparency/charts.py, every number is also in the page as text: the pictures only
repeat the tables, so nothing is lost to a screen reader or a printout.
"""

from __future__ import annotations

import math
from typing import Any

from karpear.education.stats import Paired

WIDTH = 300  # the drawing's width in SVG units; it scales to the page


def gain_chart(p: Paired | None) -> dict[str, Any] | None:
    """The mean gain with its 95% interval on an axis centred on zero."""
    if p is None or p.ci_low is None or p.ci_high is None:
        return None
    reach = max(abs(p.ci_low), abs(p.ci_high), abs(p.mean), 10.0)
    limit = math.ceil(reach / 10.0) * 10.0

    def x(value: float) -> float:
        return round(10 + (WIDTH - 20) * (value + limit) / (2 * limit), 1)

    return {
        "zero": x(0),
        "low": x(p.ci_low),
        "high": x(p.ci_high),
        "mean": x(p.mean),
        "limit": int(limit),
        "left": x(-limit),
        "right": x(limit),
        "crosses_zero": p.crosses_zero,
    }


def question_bars(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Before and after shares correct per question, as bar lengths (0 when not shown)."""
    return [
        {
            **q,
            "pre_w": round(WIDTH * q["pre_pct"] / 100) if q["pre_pct"] is not None else 0,
            "post_w": round(WIDTH * q["post_pct"] / 100) if q["post_pct"] is not None else 0,
        }
        for q in questions
    ]
