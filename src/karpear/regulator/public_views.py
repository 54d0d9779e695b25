"""The public sector summary at /sector/ (Khmer) and /en/sector/, as HTML, CSV and PDF (issue #20,
item 6). Served only at a regulator's host name; elsewhere it does not exist."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from karpear.core.pdf import CSS_PATH, public_pdf
from karpear.orgs.models import Organisation
from karpear.orgs.services import current_organisation
from karpear.regulator.sector import Summary, sector_summary, summary_csv


def _summary(request: HttpRequest) -> tuple[Organisation, Summary]:
    org = current_organisation(request)
    if not org.is_regulator:
        raise Http404
    return org, sector_summary(org, period_label=str(request.GET.get("period", ""))[:16])


def _context(org: Organisation, summary: Summary, *, pdf: bool = False) -> dict[str, Any]:
    return {
        "regulator": org,
        "summary": summary,
        "pdf": pdf,
        "css": CSS_PATH.read_text(encoding="utf-8") if pdf else "",
    }


def sector(request: HttpRequest) -> HttpResponse:
    org, summary = _summary(request)
    return render(request, "regulator/sector.html", _context(org, summary))


def sector_csv(request: HttpRequest) -> HttpResponse:
    _org, summary = _summary(request)
    response = HttpResponse(summary_csv(summary), content_type="text/csv; charset=utf-8")
    label = summary.period.label if summary.period else "none"
    response["Content-Disposition"] = f'attachment; filename="sector-{label}.csv"'
    return response


def sector_pdf(request: HttpRequest) -> HttpResponse:
    org, summary = _summary(request)
    html = render(request, "regulator/sector.html", _context(org, summary, pdf=True)).content
    label = summary.period.label if summary.period else "none"
    return public_pdf(
        request, html.decode("utf-8"), filename=f"sector-{label}-{get_language()}.pdf"
    )
