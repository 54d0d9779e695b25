"""The public complaint page: Khmer and English, no JavaScript, a receipt, rate limited."""

from __future__ import annotations

import re
from typing import Any

from karpear.cases.decisions import decision_code
from karpear.complaints.models import Complaint, ComplaintChannel
from karpear.orgs.models import Organisation
from karpear.platformlink.models import WebhookEvent
from tests.cast import Person
from tests.complaints.helpers import a_ban
from tests.conftest import BAYON_HOST, Client


def test_the_account_notice_points_at_the_page_with_the_code(
    acme: Organisation, analyst: Person
) -> None:
    ban = a_ban(acme, analyst)
    notice = WebhookEvent.objects.get(event_type="account.notice").payload["data"]
    code = decision_code(ban)
    assert notice["complaint_code"] == code
    assert f"/en/contest/?code={code}" in notice["text"]["en"]["appeal"]
    assert f"/contest/?code={code}" in notice["text"]["km"]["appeal"]
    assert "Reply to this message" not in notice["text"]["en"]["appeal"]


def test_the_page_is_khmer_by_default_and_english_under_en(
    client: Client, acme: Organisation
) -> None:
    km = client.get("/contest/?code=D1-AAAAA-BBBBB")
    en = client.get("/en/contest/?code=D1-AAAAA-BBBBB")
    assert km.status_code == en.status_code == 200
    assert 'lang="km"' in km.content.decode() and 'lang="en"' in en.content.decode()
    assert "Ask us to look again" in en.content.decode()
    assert "ស្នើឱ្យយើងពិនិត្យសេចក្តីសម្រេចម្តងទៀត" in km.content.decode()
    # Only the quick exit's script (#22); the page works without it.
    assert re.findall(r"<script[^>]*>", en.content.decode()) == [
        '<script src="/static/karpear/exit.js" defer>'
    ]
    assert 'value="D1-AAAAA-BBBBB"' in en.content.decode()


def test_a_complaint_gets_a_receipt_and_a_repeat_the_same_one(
    client: Client, acme: Organisation, analyst: Person
) -> None:
    ban = a_ban(acme, analyst)
    data = {"code": decision_code(ban).lower(), "reason": "It was a joke between friends."}
    first = client.post("/en/contest/", data)
    assert first.status_code == 200
    complaint = Complaint.objects.get()
    assert complaint.channel == ComplaintChannel.WEB and complaint.decision == ban
    assert complaint.reference in first.content.decode()
    again = client.post("/en/contest/", data)
    assert complaint.reference in again.content.decode()
    assert Complaint.objects.count() == 1


def test_a_wrong_code_or_another_organisations_decision_is_404(
    client: Client, acme: Organisation, bayon: Organisation, analyst: Person, outsider: Person
) -> None:
    ban = a_ban(acme, analyst)
    good = decision_code(ban)
    for code in (good[:-1] + ("A" if good[-1] != "A" else "B"), f"D{ban.pk + 1}-AAAAA-AAAAA"):
        response = client.post("/en/contest/", {"code": code, "reason": "x"})
        assert response.status_code == 404
        assert "This code is not right" in response.content.decode()
    # Acme's code typed on Bayon's site, and Bayon's own decisions, do not cross.
    bayon_client = Client(HTTP_HOST=BAYON_HOST)
    assert bayon_client.post("/en/contest/", {"code": good}).status_code == 404
    assert not Complaint.objects.exists()


def test_malformed_input_is_400(client: Client, acme: Organisation) -> None:
    assert client.post("/en/contest/", {"code": ""}).status_code == 400
    assert client.post("/en/contest/", {"code": "D1", "reason": "x" * 2001}).status_code == 400
    assert not Complaint.objects.exists()


def test_the_page_is_rate_limited_like_the_report_portal(
    client: Client, acme: Organisation, settings: Any
) -> None:
    settings.KARPEAR_RATE_COMPLAINTS = "2/60"
    for _ in range(2):
        assert client.post("/en/contest/", {"code": "D1-AAAAA-AAAAA"}).status_code == 404
    limited = client.post("/en/contest/", {"code": "D1-AAAAA-AAAAA", "reason": "kept"})
    assert limited.status_code == 429 and limited["Retry-After"]
    assert "kept" in limited.content.decode()
