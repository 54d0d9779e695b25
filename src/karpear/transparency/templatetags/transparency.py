"""Showing suppressed counts and hours in words."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from karpear.cases.models import DecisionKind

register = template.Library()


@register.filter
def count(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("<"):
        return _("fewer than %(n)s") % {"n": value[1:]}
    return value


@register.filter
def hours(value: Any) -> Any:
    if value is None or value == "":
        return _("not shown (too few cases)")
    return _("%(h)s h") % {"h": value}


@register.filter
def decision_label(kind: str) -> Any:
    return dict(DecisionKind.choices).get(kind, kind)
