"""Live evidence: where Karpear's own records answer a checklist item (issue #8, point 4).

Each provider reads counts through the other apps' public selectors and says what the records
show, which answer they support, and where to look. A provider for a capability that is not built
says so plainly (status "not_built") instead of inventing a figure.

Providers live in a module per capability, each with the labels of the figures it shows
(`FIGURE_LABELS`) and its providers (`PROVIDERS`); this module joins them into the registry the
frameworks are checked against and the labels the desk and the PDF show.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone

from karpear.blocklist.services import list_summary
from karpear.compliance.live import assessments, desk, education, referrals, safeguarding, safety
from karpear.compliance.live.base import STATUS_LABELS, Live, Provider
from karpear.orgs.models import Organisation
from karpear.reports.selectors import report_counts

__all__ = [
    "FIGURE_LABELS",
    "PROVIDERS",
    "STATUS_LABELS",
    "Live",
    "Provider",
    "live_figure",
    "live_reader",
    "suggested_profile",
]

_GROUPS = (assessments, desk, referrals, education, safeguarding, safety)

FIGURE_LABELS: dict[str, Any] = {k: v for g in _GROUPS for k, v in g.FIGURE_LABELS.items()}

PROVIDERS: dict[str, Provider] = {fn.__name__: fn for g in _GROUPS for fn in g.PROVIDERS}


def live_figure(provider: str, org: Organisation, now: datetime | None = None) -> Live | None:
    fn = PROVIDERS.get(provider)
    return fn(org, now or timezone.now()) if fn else None


def live_reader(org: Organisation, now: datetime | None = None) -> Callable[[str], Live | None]:
    """`live_figure` for a whole framework: several items name the same provider (the COP
    checklist asks some on two or three items), so an overview or a new assessment reads each
    provider once, at one moment."""
    moment = now or timezone.now()
    seen: dict[str, Live | None] = {}

    def read(provider: str) -> Live | None:
        if provider not in seen:
            seen[provider] = live_figure(provider, org, moment)
        return seen[provider]

    return read


def suggested_profile(org: Organisation) -> dict[str, bool]:
    """What Karpear's records say about the company, to pre-tick the profile questions."""
    summary = list_summary(org)
    return {
        "used_by_children": True,  # the safe assumption (2.3: products not meant for children)
        "hosts_user_content": bool(report_counts(org)["in_app"]),
        "url_blocking": bool(summary["sources"] or summary["subscriptions"]),
    }
