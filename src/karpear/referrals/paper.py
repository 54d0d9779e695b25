"""The referral report as a PDF in Khmer and English, for recipients that work on paper
(issue #17, item 1). Rendered from the frozen report, so paper and inbox say the same."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation

from karpear.audit.services import audit_record
from karpear.core.pdf import CSS_PATH, pdf_from_html
from karpear.referrals.models import Referral
from karpear.staff.models import StaffMember


def _rows(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        rows: list[tuple[str, str]] = []
        for key, inner in value.items():
            rows.extend(_rows(inner, f"{prefix}.{key}" if prefix else str(key)))
        return rows
    if isinstance(value, list):
        if not value:
            return [(prefix, "—")]
        rows = []
        for n, inner in enumerate(value, start=1):
            rows.extend(_rows(inner, f"{prefix}[{n}]"))
        return rows
    return [(prefix, "—" if value is None or value == "" else str(value))]


def referral_pdf(
    *, referral: Referral, member: StaffMember, request: HttpRequest | None = None
) -> bytes:
    """Both languages in one document (Khmer first); the printing is audited."""
    pdf = render_pdf(referral=referral)
    audit_record(
        action="referral_pdf",
        organisation=member.organisation,
        actor=member.user,
        object_type="case",
        object_id=referral.case_id,
        detail={"referral": referral.pk, "bytes": len(pdf)},
        request=request,
    )
    return pdf


def render_pdf(*, referral: Referral) -> bytes:
    """The PDF itself, unaudited: callers audit what they do with it (print, e-mail)."""
    rows = _rows(referral.report)
    parts = []
    for language in ("km", "en"):
        with translation.override(language):
            parts.append(
                render_to_string(
                    "referrals/report_part.html",
                    {"referral": referral, "rows": rows, "language": language},
                )
            )
    html = render_to_string(
        "referrals/report_pdf.html",
        {"parts": parts, "css": CSS_PATH.read_text(encoding="utf-8")},
    )
    return pdf_from_html(html)
