"""Reading a day someone typed, and where a day begins in the deployment's time zone."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime


def day_start(day: date) -> datetime:
    """00:00 of `day` in the deployment's time zone (Asia/Phnom_Penh by default)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


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


def local_moment(text: object) -> datetime | None:
    """A datetime-local field: an ISO moment, read in the deployment's time zone when it names
    none; None when empty or impossible."""
    value = parse_moment(text)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value
