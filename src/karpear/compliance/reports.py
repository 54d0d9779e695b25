"""The assessment report as a page and as a PDF (issue #8 point 6).

The PDF is drawn from the same template through core.pdf (Khmer fonts, no URL ever fetched).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from karpear.audit.services import audit_record
from karpear.compliance.live import FIGURE_LABELS, STATUS_LABELS
from karpear.compliance.models import Assessment
from karpear.compliance.overview import overview
from karpear.core.pdf import CSS_PATH, pdf_from_html


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
