"""Swipe Safe education (issue #19), checklist items 37-41, from `education.selectors`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from karpear.compliance.live.base import Live
from karpear.education.selectors import programme_evidence
from karpear.orgs.models import Organisation

FIGURE_LABELS: dict[str, Any] = {
    "curricula": _("Curricula in use"),
    "education_sessions": _("Education sessions in the last 365 days"),
    "education_attended": _("People who attended them"),
    "education_audiences": _("Audiences reached"),
    "education_pairs": _("Participants measured before and after"),
    "education_followups": _("Participants asked about practice at follow-up"),
    "education_partners": _("Partner organisations"),
}


def _education(org: Organisation, now: datetime) -> dict[str, Any]:
    ev = programme_evidence(org, since=(now - timedelta(days=365)).date())
    return {
        "curricula": ev["curricula"],
        "education_sessions": ev["sessions"],
        "education_attended": ev["attended"],
        "education_audiences": ", ".join(ev["audiences"]),
        "education_pairs": ev["pairs"],
        "education_followups": ev["followups"],
        "education_partners": ", ".join(ev["partners"]),
    }


def education_programme(org: Organisation, now: datetime) -> Live:
    """Items 37-39: sessions held, and (section 3) their effect on knowledge and practice
    measured, not awareness alone: proven only when before/after pairs and follow-ups exist."""
    f = _education(org, now)
    measured = bool(f["education_pairs"]) and bool(f["education_followups"])
    held = bool(f["education_sessions"])
    return Live(
        "education_programme",
        "proven" if held and measured else ("partial" if held else "missing"),
        "yes" if held and measured else ("partially" if held else "no"),
        f,
        "desk:education_impact",
    )


def education_partners(org: Organisation, now: datetime) -> Live:
    """Item 40: sessions run with a named partner (NGO, government, school)."""
    f = _education(org, now)
    return Live(
        "education_partners",
        "proven" if f["education_partners"] else "missing",
        "yes" if f["education_partners"] else "no",
        {k: f[k] for k in ("education_partners", "education_sessions")},
        "desk:education",
    )


def education_research(org: Organisation, now: datetime) -> Live:
    """Item 41 (2.4: evidence of Cambodian interventions' effectiveness): Karpear's own paired
    measurements are such evidence; other research the company supports is its own to add."""
    f = _education(org, now)
    return Live(
        "education_research",
        "partial" if f["education_pairs"] else "missing",
        "partially" if f["education_pairs"] else None,
        {k: f[k] for k in ("education_pairs", "education_followups")},
        "desk:education_impact",
    )


PROVIDERS = (education_programme, education_partners, education_research)
