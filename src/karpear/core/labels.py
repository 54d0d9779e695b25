"""Stored codes and their translated labels, registered by the apps that own them.

The `label` template filter ({{ code|label:"state" }}) reads this, so core's template tags
name no capability app (issue #23, item 7).
"""

from __future__ import annotations

from django.db.models import TextChoices

LABELS: dict[str, type[TextChoices]] = {}


def register_labels(kind: str, choices: type[TextChoices]) -> None:
    LABELS[kind] = choices
