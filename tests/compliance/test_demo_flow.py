"""Issue #8 "Done when", on the demo data, through the desk as the compliance officer."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from karpear.compliance.models import Assessment, Product
from karpear.compliance.services import current_answers
from karpear.core import signing
from karpear.staff.models import StaffMember
from tests.compliance.helpers import answer_rest
from tests.conftest import Client

pytestmark = pytest.mark.django_db
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "compliance-package.schema.json").read_text()
)


def test_the_compliance_officer_completes_the_checklist_on_the_demo() -> None:
    call_command("demo", "--if-empty", stdout=io.StringIO())
    officer = StaffMember.objects.get(user__username="compliance")
    device = TOTPDevice.objects.get(user=officer.user)
    client = Client()
    assert (
        client.post(
            "/en/desk/login/", {"username": "compliance", "password": "karpear-demo-password"}
        ).status_code
        == 302
    )
    assert client.post("/en/desk/code/", {"code": f"{totp(device.bin_key):06d}"}).status_code == 302
    assert client.get("/en/desk/")["Location"].endswith("/desk/compliance/")

    client.post(
        "/en/desk/compliance/start/",
        {
            "framework": "cop-checklist",
            "used_by_children": "on",
            "hosts_user_content": "on",
            "url_blocking": "on",
        },
    )
    cop = Assessment.objects.get(framework_id="cop-checklist")
    live = [a.ref for a in current_answers(cop).values() if a.source == "live"]
    assert {"COP-22", "COP-23", "COP-26", "COP-28"} <= set(live)  # the demo has a blocklist
    client.post(
        f"/en/desk/compliance/{cop.pk}/items/COP-42/",
        {"answer_type": "cop", "choice": "na", "reason": "Demo Telecom does no R&D."},
    )
    answer_rest(officer, cop)
    client.post(f"/en/desk/compliance/{cop.pk}/sign/", {"name": "Demo Officer"})
    cop.refresh_from_db()
    assert cop.is_frozen

    pdf = client.get(f"/desk/compliance/{cop.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    envelope = json.loads(client.get(f"/en/desk/compliance/{cop.pk}/package.json").content)
    jsonschema.validate(envelope["payload"], SCHEMA)
    signing.verify(envelope, signing.public_key_b64("org:demo"))
    na = next(a for a in envelope["payload"]["answers"] if a["ref"] == "COP-42")
    assert na["outcome"] == "na" and na["reason"] == "Demo Telecom does no R&D."

    product = Product.objects.get(name="Demo chat app")
    client.post("/en/desk/compliance/start/", {"framework": "cria", "product": str(product.pk)})
    cria = Assessment.objects.get(framework_id="cria")
    assert cria.product == product and not cria.is_frozen
    assert client.get(f"/en/desk/compliance/{cria.pk}/items/R-1/").status_code == 200
