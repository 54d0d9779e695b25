"""The referral report on paper, in Khmer and English (issue #17, item 1)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from karpear.audit.models import AuditEntry
from karpear.cases.models import Authority
from karpear.orgs.models import Organisation
from karpear.referrals.models import Referral
from tests.cast import Person, make_case, sign_in
from tests.conftest import BAYON_HOST
from tests.referrals.helpers import refer


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils installs in make test")
def test_the_pdf_holds_both_languages_and_the_report(
    acme: Organisation, analyst: Person, outsider: Person, tmp_path: Path
) -> None:
    case = refer(make_case(acme, contact=True), analyst, Authority.ACU)
    referral = Referral.objects.get()
    response = sign_in(analyst).get(f"/en/desk/referrals/{referral.pk}/report.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    pdf = tmp_path / "referral.pdf"
    pdf.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    assert "Khmer" in fonts.stdout, fonts.stdout
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"Referral report for case #{case.pk}" in text
    assert "https://social.example/p/1" in text and "Sokha" not in text
    assert AuditEntry.objects.filter(action="referral_pdf").count() == 1
    other = sign_in(outsider, host=BAYON_HOST).get(f"/en/desk/referrals/{referral.pk}/report.pdf")
    assert other.status_code == 404
