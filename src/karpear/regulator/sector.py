"""The public sector summary (issue #20, item 6): the companies' published transparency figures,
added up and compared by sector.

Only what a company published is used: the suppressed JSON of its transparency report sent with
its latest submission for the period. A figure a company published as "fewer than N" stays
hidden: it adds nothing to a total and no median rests on it; the number of such companies is
shown instead. A sector total that is itself small is shown as "fewer than N" (transparency's
suppression.hide), so a sector of one company reveals no more than that company published.
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from karpear.core.csvcells import spreadsheet_safe
from karpear.orgs.models import Organisation
from karpear.regulator.models import RegisteredCompany, ReportingPeriod, Sector, Submission
from karpear.transparency import suppression

FIGURES: list[tuple[str, Any]] = [
    ("reports.total", _("Reports received")),
    ("notices.total", _("Notices from authorities")),
    ("cases_opened.total", _("Cases opened")),
    ("hash_matches.total", _("Hash matches")),
    ("complaints.received", _("Complaints about decisions")),
]


def _at(document: dict[str, Any], path: str) -> Any:
    node: Any = document.get("figures", {})
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


@dataclass
class Figure:
    key: str
    label: str
    total: Any  # int, "<N", or None when no company published a number
    median: float | None
    numbers: int  # companies whose figure is a published number
    hidden: int  # companies that published it as "fewer than N"


@dataclass
class SectorSummary:
    sector: str
    label: str
    reporting: int
    figures: list[Figure]


@dataclass
class CompanyFigures:
    company: RegisteredCompany
    period: dict[str, Any]
    values: list[Any]


@dataclass
class Summary:
    period: ReportingPeriod | None
    periods: list[ReportingPeriod]
    threshold: int
    sectors: list[SectorSummary]
    companies: list[CompanyFigures]


def _figures(documents: list[dict[str, Any]], threshold: int) -> list[Figure]:
    out = []
    for key, label in FIGURES:
        values = [_at(d, key) for d in documents]
        numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        hidden = sum(1 for v in values if isinstance(v, str))
        median = statistics.median(numbers) if numbers else None
        if median is not None and median == int(median):
            median = int(median)
        out.append(
            Figure(
                key,
                str(label),
                suppression.hide(sum(numbers), threshold) if numbers else None,
                median,
                len(numbers),
                hidden,
            )
        )
    return out


def sector_summary(regulator: Organisation, *, period_label: str = "") -> Summary:
    threshold = int(settings.KARPEAR_SMALL_NUMBER)
    periods = list(ReportingPeriod.objects.filter(regulator=regulator))
    period = next((p for p in periods if p.label == period_label), periods[0] if periods else None)
    latest: dict[int, Submission] = {}
    if period is not None:
        for s in (
            Submission.objects.filter(
                company__regulator=regulator, period=period, transparency__isnull=False
            )
            .select_related("company")
            .order_by("received_at", "id")
        ):
            latest[s.company_id] = s
    chosen = sorted(latest.values(), key=lambda s: s.company.name.lower())
    documents = [(s.company, s.transparency or {}) for s in chosen]
    sectors = []
    for value, label in [*Sector.choices, ("", _("All sectors"))]:
        docs = [d for c, d in documents if not value or c.sector == value]
        if docs or not value:
            sectors.append(SectorSummary(value, str(label), len(docs), _figures(docs, threshold)))
    companies = [
        CompanyFigures(c, d.get("period", {}), [_at(d, key) for key, _label in FIGURES])
        for c, d in documents
    ]
    return Summary(period, periods, threshold, sectors, companies)


def summary_csv(summary: Summary) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["sector", "figure", "companies_reporting", "total", "median", "hidden"])
    for s in summary.sectors:
        for f in s.figures:
            writer.writerow(
                [
                    spreadsheet_safe(v)
                    for v in (
                        s.sector or "all",
                        f.key,
                        s.reporting,
                        f.total,
                        "" if f.median is None else f.median,
                        f.hidden,
                    )
                ]
            )
    return out.getvalue()
