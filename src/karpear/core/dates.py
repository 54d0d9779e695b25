"""Reading a day someone typed."""

from __future__ import annotations

from datetime import date, datetime

from django.utils.dateparse import parse_date, parse_datetime


def parse_day(text: object) -> date | None:
    """A YYYY-MM-DD date, or None for anything else, including impossible days (2025-02-30)."""
    value = str(text or "").strip()
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None


def parse_moment(text: object) -> datetime | None:
    """An ISO date and time, or None for anything else, including impossible ones (02-30)."""
    value = str(text or "").strip()
    try:
        return parse_datetime(value) if value else None
    except ValueError:
        return None
