"""The public transparency pages (issue #9, point 3): HTML in Khmer and English, JSON, CSV, PDF.

Only published versions are served, and only in their suppressed form.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from karpear.cases.models import AgeBand, ContentType, LegalAssessment
from karpear.core.errors import ApplicationError
from karpear.core.pdf import CSS_PATH, public_pdf
from karpear.orgs.services import current_organisation
from karpear.reports.models import Category, Channel
from karpear.transparency import services
from karpear.transparency.charts import bars
from karpear.transparency.models import TransparencyReport


def index(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    reports = services.published(org)
    latest = services.latest_versions(reports)
    return render(
        request,
        "transparency/index.html",
        {"latest": latest, "older": [r for r in reports if r not in latest]},
    )


def _report(request: HttpRequest, report_id: int) -> TransparencyReport:
    try:
        return services.get_report(current_organisation(request), report_id)
    except ApplicationError as exc:
        raise Http404(str(exc.message)) from exc


def _classification_rows(figures: dict[str, Any] | None) -> list[tuple[str, list[Any]]]:
    """The desk's classification as labelled rows per dimension (issue #16, item 9)."""
    if not figures:
        return []
    dimensions = (
        (_("Legal assessment"), "legal_assessment", LegalAssessment),
        (_("Type of content"), "content_type", ContentType),
        (_("Apparent age of the child"), "age_band", AgeBand),
    )
    return [
        (str(title), [(str(choices(k).label), v) for k, v in figures[key].items()])
        for title, key, choices in dimensions
    ]


def report_context(report: TransparencyReport, *, pdf: bool = False) -> dict[str, Any]:
    doc = services.public_document(report)
    f = doc["figures"]
    channel_labels = dict(Channel.choices)
    category_labels = dict(Category.choices)
    lang = get_language() or "km"
    return {
        "report": report,
        "doc": doc,
        "f": f,
        "pdf": pdf,
        "css": CSS_PATH.read_text(encoding="utf-8") if pdf else "",
        "narrative": [
            (_("Policies and practices"), report.narrative.get("policies", {}).get(lang, "")),
            (_("Processes and systems"), report.narrative.get("processes", {}).get(lang, "")),
            (_("Outcomes"), report.narrative.get("outcomes", {}).get(lang, "")),
        ],
        "by_channel": bars(
            [(str(channel_labels.get(k, k)), v) for k, v in f["reports"]["by_channel"].items()]
        ),
        "by_category": bars(
            [(str(category_labels.get(k, k)), v) for k, v in f["reports"]["by_category"].items()]
        ),
        "channel_labels": {
            **channel_labels,
            "notice": _("Notice from an authority"),
            "all": _("All"),
        },
        "category_labels": {**category_labels, "all": _("All")},
        "classification": _classification_rows(f.get("classification")),
        "older_versions": [
            r
            for r in services.published(report.organisation)
            if (r.period_start, r.period_end) == (report.period_start, report.period_end)
            and r.pk != report.pk
        ],
    }


def detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id)
    return render(request, "transparency/report.html", report_context(report))


def as_json(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id)
    body = json.dumps(services.public_document(report), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'inline; filename="transparency-{report.period_start:%Y}-v{report.version}.json"'
    )
    return response


def as_csv(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id)
    response = HttpResponse(services.public_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="transparency-{report.period_start:%Y}-v{report.version}.csv"'
    )
    return response


def as_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id)
    html = render(request, "transparency/report.html", report_context(report, pdf=True)).content
    name = f"transparency-{report.period_start:%Y}-v{report.version}-{get_language()}.pdf"
    return public_pdf(request, html.decode("utf-8"), filename=name)
