"""Reading a day someone typed."""

from __future__ import annotations

from datetime import date

from django.utils.dateparse import parse_date


def parse_day(text: object) -> date | None:
    """A YYYY-MM-DD date, or None for anything else, including impossible days (2025-02-30)."""
    value = str(text or "").strip()
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None
