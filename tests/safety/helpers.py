"""Policies built through the real services, as the safeguarding lead builds them."""

from __future__ import annotations

from typing import Any

from karpear.safety.models import SafetyPolicy
from karpear.safety.services import policy_adopt, policy_draft, policy_edit
from karpear.staff.models import StaffMember


def relax(
    lead: StaffMember, band: str, feature: str, value: str, assurance: str = "self-declared"
) -> SafetyPolicy:
    """Draft, relax one setting for one band, adopt: the lead's whole walk."""
    draft = policy_draft(member=lead)
    chosen: dict[str, Any] = {
        b: {f: dict(e) for f, e in r.items()} for b, r in draft.settings.items()
    }
    chosen[band][feature].update(value=value, assurance=assurance)
    policy_edit(member=lead, policy=draft, settings=chosen, youngest_band=draft.youngest_band)
    return policy_adopt(member=lead, policy=draft)
