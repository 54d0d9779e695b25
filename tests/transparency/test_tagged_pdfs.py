"""Screen readers can read the transparency and compliance PDFs (issue #22, item 9).

WeasyPrint writes them as tagged PDF/UA-1; pikepdf (qpdf) reads back what a screen reader
relies on: the document marked as tagged, a structure tree with headings and tables, the
language of the document (km or en), the title shown instead of the file name, and the PDF/UA
identification in the metadata.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pikepdf
import pytest
from django.utils import translation

from karpear.compliance.reports import report_pdf
from karpear.compliance.services import assessment_start
from karpear.transparency.services import report_publish
from tests.cast import Person
from tests.compliance.helpers import answer_rest
from tests.conftest import Client

pytestmark = pytest.mark.django_db
TEXT = {
    h: {"en": f"{h} in English", "km": f"{h} ជាភាសាខ្មែរ"}
    for h in ("policies", "processes", "outcomes")
}


def _roles(node: Any, found: set[str]) -> set[str]:
    """Every structure type under a structure element (/S), depth first."""
    if isinstance(node, pikepdf.Dictionary):
        if "/S" in node:
            found.add(str(node.S))
        if "/K" in node:
            _roles(node.K, found)
    elif isinstance(node, pikepdf.Array):
        for child in node:
            _roles(child, found)
    return found


def _check_tagged(data: bytes, language: str) -> set[str]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root
        assert bool(root.MarkInfo.Marked) is True
        assert str(root.Lang) == language
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        assert str(pdf.open_metadata().get("pdfuaid:part")) == "1"
        return _roles(root.StructTreeRoot.K, set())


def test_the_transparency_pdf_is_tagged_in_its_language(compliance: Person) -> None:
    report = report_publish(
        member=compliance.member, start=date(2025, 1, 1), end=date(2025, 12, 31), narrative=TEXT
    )
    client = Client()
    for prefix, language in (("", "km"), ("/en", "en")):
        response = client.get(f"{prefix}/transparency/{report.pk}.pdf")
        assert response.status_code == 200
        roles = _check_tagged(response.content, language)
        assert {"/H1", "/H2", "/Table", "/TR", "/TH", "/TD", "/P"} <= roles, roles


def test_the_compliance_pdf_is_tagged_in_its_language(compliance: Person) -> None:
    assessment = assessment_start(
        member=compliance.member, framework_id="cop-checklist", profile={"used_by_children": True}
    )
    answer_rest(compliance.member, assessment)
    # Khmer, the default; both languages go through the same pdf_from_html as the transparency
    # report above, which is checked in both.
    with translation.override("km"):
        roles = _check_tagged(report_pdf(assessment), "km")
    assert {"/H1", "/Table", "/P"} <= roles, roles
