"""Concerns raised and officers appointed through the real services."""

from __future__ import annotations

from karpear.concerns.models import Concern
from karpear.concerns.services import concern_raise
from karpear.orgs.models import Organisation


def a_concern(
    org: Organisation, *, names_officer: bool = False, text: str = "He messages pupils at night."
) -> tuple[Concern, str]:
    return concern_raise(
        organisation=org,
        about="behaviour",
        raised_by="staff",
        text=text,
        names_officer=names_officer,
    )
