"""Small template helpers for the education pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()
NONE = "\u2013"  # an en dash where a figure is not shown


@register.filter
def pct(value: Any) -> str:
    """A percentage with one decimal, or an en dash when it is not shown."""
    return NONE if value is None else f"{float(value):.1f}"


@register.filter
def signed(value: Any) -> str:
    return NONE if value is None else f"{float(value):+.1f}"
