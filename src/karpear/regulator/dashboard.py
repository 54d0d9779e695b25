"""The sector dashboard (issue #20, item 4): who reported for a period, late or missing ones,
each company's minimum items and gaps, and how many companies meet each checklist item.

Reads only what companies submitted (their packages hold answers and counts, never case
content); one query for the companies, one for their submissions, one for open requests.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.core.csvcells import spreadsheet_safe
from karpear.orgs.models import Organisation
from karpear.regulator.models import (
    InformationRequest,
    RegisteredCompany,
    ReportingPeriod,
    Sector,
    Size,
    Submission,
)

STATUSES = {
    "on_time": _("Submitted"),
    "late": _("Submitted late"),
    "missing": _("Missing (overdue)"),
    "not_yet": _("Not yet due"),
}
SORTS = {
    "name": _("Name"),
    "sector": _("Sector"),
    "size": _("Size"),
    "status": _("Status"),
    "minimum": _("Minimum items met"),
}


@dataclass
class CompanyRow:
    company: RegisteredCompany
    status: str
    submission: Submission | None
    open_requests: int = 0
    overdue_requests: int = 0

    @property
    def status_label(self) -> str:
        return str(STATUSES[self.status])

    @property
    def summary(self) -> dict[str, Any]:
        return self.submission.summary if self.submission else {}

    @property
    def next_action(self) -> dict[str, Any] | None:
        due = [g for g in self.summary.get("gaps", []) if g.get("due") and not g.get("done_on")]
        return min(due, key=lambda g: g["due"]) if due else None


@dataclass
class Dashboard:
    period: ReportingPeriod | None
    periods: list[ReportingPeriod]
    rows: list[CompanyRow]
    status_counts: dict[str, int]
    items: list[tuple[str, dict[str, int]]] = field(default_factory=list)


def dashboard(
    regulator: Organisation,
    *,
    period_label: str = "",
    sector: str = "",
    size: str = "",
    sort: str = "name",
    today: date | None = None,
) -> Dashboard:
    today = today or timezone.localdate()
    periods = list(ReportingPeriod.objects.filter(regulator=regulator))
    period = next((p for p in periods if p.label == period_label), periods[0] if periods else None)
    companies = RegisteredCompany.objects.filter(regulator=regulator)
    if sector in Sector.values:
        companies = companies.filter(sector=sector)
    if size in Size.values:
        companies = companies.filter(size=size)
    latest: dict[int, Submission] = {}
    if period is not None:
        # The rows need the summary only; a package and its report can be megabytes each.
        for s in (
            Submission.objects.filter(
                company__in=companies, period=period, framework_id="cop-checklist"
            )
            .defer("envelope", "transparency")
            .order_by("signed_at", "id")
        ):
            latest[s.company_id] = s
    open_counts: Counter[int] = Counter()
    overdue_counts: Counter[int] = Counter()
    for company_id, deadline in InformationRequest.objects.filter(
        company__in=companies, answered_at__isnull=True
    ).values_list("company_id", "deadline"):
        open_counts[company_id] += 1
        overdue_counts[company_id] += deadline < today
    rows = []
    for company in companies:
        submission = latest.get(company.pk)
        if period is None:
            status = "not_yet"
        elif submission is not None:
            late = timezone.localtime(submission.received_at).date() > period.due
            status = "late" if late else "on_time"
        else:
            status = "missing" if today > period.due else "not_yet"
        rows.append(
            CompanyRow(
                company, status, submission, open_counts[company.pk], overdue_counts[company.pk]
            )
        )
    keys: dict[str, Any] = {
        "name": lambda r: r.company.name.lower(),
        "sector": lambda r: (r.company.sector, r.company.name.lower()),
        "size": lambda r: (r.company.size, r.company.name.lower()),
        "status": lambda r: (list(STATUSES).index(r.status), r.company.name.lower()),
        "minimum": lambda r: (-(r.summary.get("minimum_met") or -1), r.company.name.lower()),
    }
    rows.sort(key=keys.get(sort, keys["name"]))
    per_item: dict[str, Counter[str]] = {}
    for row in rows:
        for ref, outcome in row.summary.get("outcomes", {}).items():
            per_item.setdefault(ref, Counter())[outcome] += 1
    items = [
        (ref, {o: per_item[ref][o] for o in ("yes", "partially", "no", "na")})
        for ref in sorted(per_item, key=_ref_order)
    ]
    counts = Counter(r.status for r in rows)
    return Dashboard(period, periods, rows, {s: counts[s] for s in STATUSES}, items)


def _ref_order(ref: str) -> tuple[int, str]:
    digits = "".join(c for c in ref if c.isdigit())
    return (int(digits) if digits else 10_000, ref)


CSV_HEADER = [
    "company",
    "licence",
    "sector",
    "size",
    "period",
    "status",
    "received_at",
    "signed_at",
    "minimum_total",
    "minimum_met",
    "minimum_partial",
    "minimum_not_met",
    "gaps",
    "next_action_due",
    "reassess_by",
    "open_requests",
    "overdue_requests",
]


def dashboard_csv(view: Dashboard) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for r in view.rows:
        s = r.summary
        action = r.next_action
        writer.writerow(
            [
                spreadsheet_safe(v)
                for v in (
                    r.company.name,
                    r.company.licence_number,
                    r.company.sector,
                    r.company.size,
                    view.period.label if view.period else "",
                    r.status,
                    r.submission.received_at.isoformat() if r.submission else "",
                    r.submission.signed_at.isoformat() if r.submission else "",
                    s.get("minimum_total", ""),
                    s.get("minimum_met", ""),
                    s.get("minimum_partial", ""),
                    s.get("minimum_not_met", ""),
                    len(s.get("gaps", [])) if s else "",
                    action["due"] if action else "",
                    s.get("reassess_by") or "",
                    r.open_requests,
                    r.overdue_requests,
                )
            ]
        )
    return out.getvalue()
