"""Issue #20 "Done when" on `karpear demo`: the MPTC at its own host name and two companies; the
demo company sends its signed checklist from its Compliance page and the reviewer sees it
verified beside a late company; the public sector summary shows both companies' figures."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from karpear.compliance.models import Assessment
from karpear.regulator.models import ReceivedRequest, Submission
from karpear.staff.models import StaffMember
from tests.compliance.helpers import answer_rest
from tests.conftest import Client

pytestmark = pytest.mark.django_db


def _desk(username: str, host: str = "testserver") -> Client:
    member = StaffMember.objects.get(user__username=username)
    device = TOTPDevice.objects.get(user=member.user)
    client = Client(HTTP_HOST=host)
    client.post("/en/desk/login/", {"username": username, "password": "karpear-demo-password"})
    client.post("/en/desk/code/", {"code": f"{totp(device.bin_key):06d}"})
    return client


def test_the_demo_company_reports_to_the_demo_regulator(settings: object) -> None:
    call_command("demo", stdout=io.StringIO())
    officer = _desk("compliance")
    officer.post(
        "/en/desk/compliance/start/",
        {"framework": "cop-checklist", "used_by_children": "on", "hosts_user_content": "on"},
    )
    cop = Assessment.objects.get(framework_id="cop-checklist")
    answer_rest(StaffMember.objects.get(user__username="compliance"), cop)
    officer.post(f"/en/desk/compliance/{cop.pk}/sign/", {"name": "Demo Officer"})
    officer.post("/en/desk/compliance/regulator/submit/", {"assessment": cop.pk})
    assert Submission.objects.count() == 2

    reviewer = _desk("reviewer", host="localhost")
    assert reviewer.get("/en/desk/")["Location"].endswith("/desk/regulator/")
    page = reviewer.get("/en/desk/regulator/").content.decode()
    assert "Demo Telecom" in page and "Angkor Cloud (demo)" in page and "late" in page
    demo_row = Submission.objects.get(company__slug="demo")
    reviewer.post(
        "/en/desk/regulator/requests/",
        {
            "company": demo_row.company_id,
            "submission": demo_row.pk,
            "question": "Please send the takedown procedure.",
            "deadline": "2099-01-31",
        },
    )
    assert ReceivedRequest.objects.filter(organisation__slug="demo").count() == 1
    assert (
        "Please send the takedown procedure."
        in officer.get("/en/desk/compliance/").content.decode()
    )
    # The regulator's reviewer opens no company page.
    assert reviewer.get("/en/desk/queue/").status_code == 403
    sector = Client(HTTP_HOST="localhost").get("/en/sector/").content.decode()
    assert "Demo Telecom" in sector and "Angkor Cloud (demo)" in sector
