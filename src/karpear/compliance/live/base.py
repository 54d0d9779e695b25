"""The shape every live provider answers in, and the helpers several provider groups share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from karpear.compliance.models import PolicyDocument
from karpear.orgs.models import Organisation

STATUS_LABELS = {
    "proven": _("Karpear's records show this"),
    "partial": _("Karpear's records show part of this"),
    "missing": _("Karpear's records do not show this yet"),
    "not_configured": _("Not set up in Karpear"),
    "not_built": _(
        "Karpear cannot show this yet: this capability is not built. Answer from your own records."
    ),
}

# The checklist answer each status supports, where a provider has no reason to differ.
SUGGESTED = {"proven": "yes", "partial": "partially", "missing": "no"}


@dataclass(frozen=True)
class Live:
    provider: str
    status: str
    suggested: str | None  # the checklist answer the records support: yes / partially / no
    figures: dict[str, Any] = field(default_factory=dict)
    link: str = ""  # a desk URL name

    @classmethod
    def from_dict(cls, frozen: dict[str, Any]) -> Live:
        return cls(frozen["provider"], frozen["status"], frozen["suggested"], frozen["figures"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "status": self.status,
            "suggested": self.suggested,
            "figures": self.figures,
        }


Provider = Callable[[Organisation, datetime], Live]


def verdict(done: int, total: int) -> tuple[str, str | None]:
    if total == 0:
        return "not_configured", None
    if done >= total:
        return "proven", "yes"
    return ("partial", "partially") if done else ("missing", "no")


def adopted_version(org: Organisation, kind: str) -> int:
    """The newest adopted version of one of compliance's drafted policies, 0 if none."""
    found = PolicyDocument.objects.filter(organisation=org, kind=kind).aggregate(v=Max("version"))
    return int(found["v"] or 0)
