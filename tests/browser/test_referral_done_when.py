"""Issue #17 "Done when", in one walk: live Karpear, the reference platform and the reference
recipient (as the ACU and as the Child Helpline) as real processes, people on the desk in
headless Chromium.

An analyst refers a case; the ACU's recipient fetches and acknowledges it, and the case shows
the ACU's number. The lead records the child's consent and proposes the referral; a second,
screened analyst approves it; the helpline's recipient acknowledges it and reports that it
contacted the child, which the case shows. An account holder contests a ban through the
platform's appeal call; a second analyst reverses it on the desk; the platform lifts it. The
transparency figures count the referrals and the complaint.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.complaints.models import Complaint
from karpear.orgs.models import Organisation
from karpear.platformlink.services import deliver_due, link_configure
from karpear.referrals.models import Referral
from karpear.transparency.figures import compute
from tests.browser.conftest import _tab, click_through
from tests.browser.test_isolate_done_when import _sign_in, _step
from tests.cast import Person, make_case
from tests.complaints.helpers import a_ban
from tests.evidence.conftest import screen
from tests.platform_fixture import RefPlatform, free_port
from tests.referrals.helpers import key, service_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
RECIPIENT = Path(__file__).resolve().parents[2] / "examples" / "reference_recipient" / "app.py"
HELPLINE = "Child Helpline Cambodia"


@pytest.fixture
def platform(live_server: Any, acme: Organisation, tmp_path: Path) -> Iterator[RefPlatform]:
    """The reference platform linked to Acme, forwarding appeals to the live server."""
    ref = RefPlatform(
        url=f"http://127.0.0.1:{free_port()}", secret_file=tmp_path / "s", db=tmp_path / "p.db"
    )
    _link, secret = link_configure(
        organisation=acme, webhook_url=ref.webhook_url, hosted_domains=["social.example"]
    )
    ref.secret_file.write_text(secret)
    (tmp_path / "key").write_text(
        apikey_create(organisation=acme, scope=Scope.PLATFORM, name="Ref")[1]
    )
    ref.start(extra=["--karpear-url", live_server.url, "--karpear-key-file", str(tmp_path / "key")])
    yield ref
    ref.stop()


def _recipient_pass(live_server: Any, tmp_path: Path, token: str, prefix: str, *extra: str) -> None:
    """One pass of the reference recipient as a separate process, with its own database."""
    key_file = tmp_path / f"{prefix}.key"
    key_file.write_text(token)
    subprocess.run(
        [
            sys.executable,
            str(RECIPIENT),
            "--karpear-url",
            live_server.url,
            "--key-file",
            str(key_file),
            "--db",
            str(tmp_path / f"{prefix}.sqlite3"),
            "--prefix",
            prefix,
            "--once",
            *extra,
        ],
        check=True,
        timeout=60,
    )


def _contest(platform: RefPlatform, user: str, reason: str) -> dict[str, Any]:
    request = urllib.request.Request(
        platform.url + "/contest",
        data=json.dumps({"user": user, "reason": reason}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return dict(json.loads(response.read()))


def test_referrals_arrive_and_a_contested_ban_is_lifted(
    *,
    browser: Any,
    page: Any,
    live_server: Any,
    platform: RefPlatform,
    tmp_path: Path,
    acme: Organisation,
    analyst: Person,
    analyst2: Person,
    lead: Person,
    admin: Person,
) -> None:
    # 1. An analyst refers a case to the ACU on the desk.
    case = make_case(acme, contact=True, category="grooming")  # not isolated on receipt
    _sign_in(page, analyst)
    page.goto(page.base + f"/en/desk/cases/{case.pk}/")
    _step(page, "in_review", "looked at it")
    page.check("#auth_acu")
    _step(page, "referred", "sent to the Anti-Cybercrime Unit")
    assert Referral.objects.filter(case=case, purpose="referred").count() == 1

    # 2. The ACU's recipient fetches and acknowledges it; the case shows the ACU's number.
    _recipient_pass(live_server, tmp_path, key(acme), "ACU")
    page.reload()
    assert "their number ACU-000001" in page.inner_text("main")

    # 3. The lead records the child's consent and proposes the referral with one field.
    helpline_token = service_key(acme, HELPLINE, lead, admin)
    lead_tab = next(_tab(browser, live_server.url, javascript=True))
    _sign_in(lead_tab, lead)
    lead_tab.goto(lead_tab.base + f"/en/desk/cases/{case.pk}/")
    lead_tab.check("#consent_child")
    lead_tab.select_option("#id_service", label=f"{HELPLINE} (1280)")
    lead_tab.check("#method_phone")
    consent_at = timezone.localtime(timezone.now() - timedelta(minutes=2))
    lead_tab.fill("#id_consent_at", consent_at.strftime("%Y-%m-%dT%H:%M"))
    click_through(lead_tab, "text=Record the referral")
    lead_tab.check("input[name=share][value=phone]")
    click_through(lead_tab, "text=Propose the referral (a second person approves)")
    assert "A second person must approve" in lead_tab.inner_text("main")
    assert not Referral.objects.filter(purpose="child").exists()  # nothing left yet

    # 4. A second, screened analyst approves it.
    screen(analyst2)
    second = next(_tab(browser, live_server.url, javascript=True))
    _sign_in(second, analyst2)
    second.goto(second.base + f"/en/desk/cases/{case.pk}/")
    click_through(second, "text=Approve and send")
    child = Referral.objects.get(purpose="child")
    assert child.report["child"] == {"phone": "012345678"}

    # 5. The helpline acknowledges it and reports that it contacted the child.
    _recipient_pass(live_server, tmp_path, helpline_token, "CHC", "--outcome", "contacted")
    lead_tab.reload()
    main = lead_tab.inner_text("main")
    assert "their number CHC-000001" in main and "Contacted" in main
    assert "reported the outcome: Contacted" in main  # the timeline
    lead_tab.context.close()

    # 6. An account holder contests a ban through the platform; a second analyst reverses it.
    a_ban(acme, analyst, account="u7")
    deliver_due()
    assert platform.state()["users"]["u7"]["state"] == "banned"
    receipt = _contest(platform, "u7", "Those messages were to my cousin.")
    complaint = Complaint.objects.get(reference=receipt["reference"])
    second.goto(second.base + f"/en/desk/complaints/{complaint.pk}/")
    second.check("input[name=outcome][value=reversed]")
    second.fill("#id_reason", "The messages were to a relative and broke no rule.")
    click_through(second, "text=Record the outcome")
    deliver_due()
    assert platform.state()["users"]["u7"]["state"] == "active"
    second.context.close()

    # 7. The transparency figures count both referrals and the complaint.
    today = timezone.localdate()
    figures = compute(acme, date(today.year, 1, 1), today)
    assert figures["referral_deliveries"]["sent"] == 2
    assert figures["referral_deliveries"]["acknowledged"] == 2
    assert figures["complaints"]["received"] == 1
    assert figures["complaints"]["outcome"]["reversed"] == 1
