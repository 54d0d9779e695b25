"""The assessment report as a page and as a PDF (issue #8 point 6).

The PDF is drawn by WeasyPrint from the same template, with Debian's Khmer OS fonts named in the
CSS so Khmer script (stacked consonants included) renders. WeasyPrint is given a URL fetcher that
refuses everything: a report must never make the server fetch a link someone typed into it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from karpear.audit.services import audit_record
from karpear.compliance.live import FIGURE_LABELS, STATUS_LABELS
from karpear.compliance.models import Assessment
from karpear.compliance.overview import overview


class FetchRefused(Exception):
    """The PDF renderer asked for a URL; reports are self-contained, so nothing is fetched."""


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise FetchRefused(url)


CSS_PATH = Path(__file__).resolve().parent.parent / "static" / "karpear" / "report.css"


def report_context(assessment: Assessment, *, pdf: bool = False) -> dict[str, Any]:
    view = overview(assessment)
    return {
        "view": view,
        "pdf": pdf,
        "css": CSS_PATH.read_text(encoding="utf-8") if pdf else "",
        "lang": get_language(),
        "generated_at": timezone.localtime(),
        "status_labels": STATUS_LABELS,
        "figure_labels": FIGURE_LABELS,
    }


def pdf_from_html(html: str) -> bytes:
    """A self-contained HTML page as PDF; any URL in it is refused, never fetched.

    Tagged PDF/UA-1 (issue #22, item 9): a structure tree of headings, paragraphs, lists and
    tables, the document language from `<html lang>` (km or en) and the title shown, so a screen
    reader can read the compliance and transparency reports.
    """
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf(
        pdf_variant="pdf/ua-1"
    )
    return pdf


def report_pdf(
    assessment: Assessment, *, request: HttpRequest | None = None, actor: Any = None
) -> bytes:
    html = render_to_string("compliance/report.html", report_context(assessment, pdf=True))
    pdf = pdf_from_html(html)
    audit_record(
        action="compliance_report_pdf",
        organisation=assessment.organisation,
        actor=actor,
        actor_label="" if actor else "cli",
        object_type="assessment",
        object_id=assessment.pk,
        detail={"language": get_language(), "bytes": len(pdf)},
        request=request,
    )
    return pdf
