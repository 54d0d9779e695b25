"""The compliance officer's pages: answer, attach, sign off, report, PDF in Khmer, package."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from karpear.compliance.models import Assessment, PolicyDocument
from karpear.compliance.services import assessment_start, current_answers
from karpear.core import signing
from karpear.orgs.models import Organisation
from karpear.staff.models import Role
from tests.cast import Person, _person, sign_in
from tests.compliance.helpers import SOON, answer_rest

pytestmark = pytest.mark.django_db
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "compliance-package.schema.json").read_text()
)
PNG = (Path(__file__).resolve().parents[2] / "tests" / "compliance" / "pixel.png").read_bytes()


def _start(client: object, framework: str = "cop-checklist", **extra: str) -> Assessment:
    response = client.post(  # type: ignore[attr-defined]
        "/en/desk/compliance/start/",
        {"framework": framework, "used_by_children": "on", "reassess_months": "12", **extra},
    )
    assert response.status_code == 302, response.content
    return Assessment.objects.latest("id")


def test_the_officer_answers_an_item_and_sees_errors_in_their_language(
    compliance: Person,
) -> None:
    client = sign_in(compliance)
    assessment = _start(client)
    page = client.get(f"/en/desk/compliance/{assessment.pk}/")
    assert page.status_code == 200
    assert b"Minimum expectations met" in page.content and b"COP-22" in page.content
    # The officer sees what is due on the compliance page (issue #8, point 8).
    home = client.get("/en/desk/compliance/")
    assert b"Never signed off: COP compliance checklist" in home.content
    url = f"/en/desk/compliance/{assessment.pk}/items/COP-37/"
    refused = client.post(url, {"answer_type": "cop", "choice": "na", "reason": ""})
    assert refused.status_code == 400
    assert b"Say why this item does not apply" in refused.content
    khmer = client.post(
        url.replace("/en/", "/"), {"answer_type": "cop", "choice": "na", "reason": ""}
    )
    assert khmer.status_code == 400
    assert "សូមប្រាប់ហេតុផលដែលធាតុនេះមិនពាក់ព័ន្ធ".encode() in khmer.content
    saved = client.post(
        url, {"answer_type": "cop", "choice": "na", "reason": "We run no programmes."}
    )
    assert saved.status_code == 302
    assert current_answers(assessment)["COP-37"].not_applicable


def test_an_item_shows_its_live_figure(compliance: Person) -> None:
    client = sign_in(compliance)
    assessment = _start(client)
    page = client.get(f"/en/desk/compliance/{assessment.pk}/items/COP-24/")
    assert b"People on the personnel register" in page.content
    hashes = client.get(f"/en/desk/compliance/{assessment.pk}/items/COP-27/")
    assert b"Not set up in Karpear" in hashes.content


def test_evidence_files_are_checked_and_kept(compliance: Person) -> None:
    client = sign_in(compliance)
    assessment = _start(client)
    url = f"/en/desk/compliance/{assessment.pk}/items/COP-20/file/"
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("terms.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    assert client.post(url, {"file": fake}).status_code == 302
    assert not assessment.files.exists()
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "application/pdf")
    client.post(url, {"file": big})
    assert not assessment.files.exists()
    good = SimpleUploadedFile("terms-screenshot.png", PNG, "image/png")
    client.post(url, {"file": good})
    attached = assessment.files.get()
    assert attached.name == "terms-screenshot.png" and attached.size == len(PNG)
    download = client.get(f"/en/desk/compliance/files/{attached.pk}/")
    assert download.status_code == 200 and download.content == PNG
    assert download["Content-Disposition"].startswith("attachment")


def test_another_organisation_sees_nothing(compliance: Person, bayon: Organisation) -> None:
    client = sign_in(compliance)
    assessment = _start(client)
    theirs = sign_in(_person(bayon, "bopha", Role.COMPLIANCE), host="bayon.test")
    for path in (
        f"/en/desk/compliance/{assessment.pk}/",
        f"/en/desk/compliance/{assessment.pk}/items/COP-3/",
        f"/en/desk/compliance/{assessment.pk}/report/",
        f"/en/desk/compliance/{assessment.pk}/report.pdf",
        f"/en/desk/compliance/{assessment.pk}/package.json",
    ):
        assert theirs.get(path).status_code == 404, path
    listing = theirs.get("/en/desk/compliance/")
    assert f"/compliance/{assessment.pk}/".encode() not in listing.content


def _signed(compliance: Person) -> Assessment:
    assessment = assessment_start(
        member=compliance.member,
        framework_id="cop-checklist",
        profile={"used_by_children": True},
    )
    answer_rest(compliance.member, assessment)
    client = sign_in(compliance)
    response = client.post(
        f"/en/desk/compliance/{assessment.pk}/sign/", {"name": "Chenda Keo", "title": "DPO"}
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_frozen
    return assessment


def test_the_signed_package_validates_and_verifies(compliance: Person, acme: Organisation) -> None:
    assessment = _signed(compliance)
    client = sign_in(compliance)
    response = client.get(f"/en/desk/compliance/{assessment.pk}/package.json")
    assert response.status_code == 200
    envelope = json.loads(response.content)
    jsonschema.validate(envelope["payload"], SCHEMA)
    key = signing.public_key_b64("org:acme")
    assert envelope["public_key"] == key
    payload = signing.verify(envelope, key)
    assert payload["summary"]["open"] == 0 and len(payload["answers"]) == 42
    assert payload["assessment"]["signed_by"]["name"] == "Chenda Keo"
    # Another organisation's key, or the deployment's, does not verify it; nor does a change.
    with pytest.raises(signing.BadSignature):
        signing.verify(envelope, signing.public_key_b64("org:bayon"))
    envelope["payload"]["answers"][0]["outcome"] = (
        "yes" if payload["answers"][0]["outcome"] != "yes" else "no"
    )
    with pytest.raises(signing.BadSignature):
        signing.verify(envelope, key)


def test_a_draft_has_no_package(compliance: Person) -> None:
    client = sign_in(compliance)
    assessment = _start(client)
    response = client.get(f"/en/desk/compliance/{assessment.pk}/package.json")
    assert response.status_code == 302


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils installs in make test")
def test_the_pdf_in_khmer_embeds_a_khmer_font_and_khmer_text(
    compliance: Person, tmp_path: Path
) -> None:
    assessment = _signed(compliance)
    client = sign_in(compliance)
    response = client.get(f"/desk/compliance/{assessment.pk}/report.pdf")  # Khmer: no prefix
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    assert "+Khmer-OS " in fonts.stdout, fonts.stdout
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    # pdftotext reorders some Khmer glyphs, so check words it extracts whole; the page itself
    # was checked as an image (docs/compliance.md).
    assert "ឧបសម្ព័ន្ធ ២" in text  # "Appendix 2", from the Khmer title
    assert "Chenda Keo" in text
    english = client.get(f"/en/desk/compliance/{assessment.pk}/report.pdf")
    assert english.status_code == 200 and english.content != response.content


def test_the_report_page_in_both_languages(compliance: Person) -> None:
    assessment = _signed(compliance)
    client = sign_in(compliance)
    english = client.get(f"/en/desk/compliance/{assessment.pk}/report/")
    assert b"Overview by area" in english.content and b"Action plan" in english.content
    khmer = client.get(f"/desk/compliance/{assessment.pk}/report/")
    assert "បញ្ជីត្រួតពិនិត្យ".encode() in khmer.content


def test_policies_are_drafted_from_settings_and_adopted_in_versions(
    compliance: Person, settings: object
) -> None:
    settings.KARPEAR_RETENTION_DAYS = {"default": 150}  # type: ignore[attr-defined]
    client = sign_in(compliance)
    page = client.get("/en/desk/compliance/policies/")
    assert b"Evidence is kept for 150 days" in page.content
    assert "រក្សាទុករយៈពេល 150 ថ្ងៃ".encode() in page.content  # the Khmer draft too
    refused = client.post(
        "/en/desk/compliance/policies/", {"kind": "takedown", "body_en": "x", "body_km": ""}
    )
    assert refused.status_code == 302 and not PolicyDocument.objects.exists()
    for _ in range(2):
        client.post(
            "/en/desk/compliance/policies/",
            {"kind": "takedown", "body_en": "Our procedure.", "body_km": "នីតិវិធីរបស់យើង។"},
        )
    assert list(PolicyDocument.objects.values_list("version", flat=True).order_by("version")) == [
        1,
        2,
    ]
    # Item 29 now rests on the adopted procedure.
    assessment = _start(client)
    answer = current_answers(assessment)["COP-29"]
    assert answer.value == "yes" and (answer.live or {})["figures"]["policy_takedown"] == 2


def test_lead_reads_but_cannot_write(lead: Person, compliance: Person) -> None:
    assessment = assessment_start(member=compliance.member, framework_id="sbd")
    client = sign_in(lead)
    assert client.get(f"/en/desk/compliance/{assessment.pk}/").status_code == 200
    response = client.post(
        f"/en/desk/compliance/{assessment.pk}/items/SBD-1.2/",
        {"answer_type": "cop", "choice": "yes"},
    )
    assert response.status_code == 403
    assert not current_answers(assessment).get("SBD-1.2")
    assert client.post("/en/desk/compliance/policies/", {"kind": "takedown"}).status_code == 403
    from karpear.audit.models import AuditEntry

    # Refused like any wrong role on the desk: audited with the path.
    denied = AuditEntry.objects.filter(action="access_denied", actor=lead.member.user)
    assert denied.count() == 2


def test_cria_for_a_product_through_the_desk(compliance: Person) -> None:
    client = sign_in(compliance)
    client.post("/en/desk/compliance/products/", {"name": "Demo chat", "description": "Chat"})
    product = __import__("karpear.compliance.models", fromlist=["Product"]).Product.objects.get()
    assessment = _start(client, "cria", product=str(product.pk))
    assert assessment.product == product
    url = f"/en/desk/compliance/{assessment.pk}/items/R-1/"
    form = {"answer_type": "risk", "note": "Contact from strangers is off for under-16s"}
    for band in ("0-5", "6-9", "10-12", "13-15", "16-17"):
        form[f"likelihood_{band}"] = "2"
        form[f"severity_{band}"] = "4"
    refused = client.post(url, form)
    assert refused.status_code == 400 and b"Write the action you plan" in refused.content
    form.update({"action": "Age checks at sign-up", "owner": "PM", "due": SOON})
    assert client.post(url, form).status_code == 302
    page = client.get(url)
    assert b"High risk" in page.content
