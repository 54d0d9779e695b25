"""Small helpers for the compliance pages: answer labels (dictionary lookups: core's get_item)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

register = template.Library()

OUTCOME_LABELS = {
    "yes": pgettext_lazy("checklist answer", "Yes"),
    "partially": pgettext_lazy("checklist answer", "Partially"),
    "no": pgettext_lazy("checklist answer", "No"),
    "na": pgettext_lazy("checklist answer", "N/A"),
    "open": pgettext_lazy("checklist answer", "Not answered"),
}
RISK_OUTCOME_LABELS = {"yes": _("Low risk"), "partially": _("Medium risk"), "no": _("High risk")}


@register.filter
def outcome_label(outcome: str, answer_type: str = "cop") -> Any:
    if answer_type == "risk" and outcome in RISK_OUTCOME_LABELS:
        return RISK_OUTCOME_LABELS[outcome]
    if answer_type not in ("cop", "yesno", "risk") and outcome == "yes":
        return _("Answered")
    return OUTCOME_LABELS.get(outcome, outcome)


@register.filter
def shown(value: Any) -> Any:
    """A live figure's value in words where it is a yes or no."""
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return value
