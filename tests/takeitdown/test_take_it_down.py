"""Take it down (issue #22, items 5, 6 and 8): hashes made on her phone go into the self-report
bank; a matching upload is isolated for review and the case says "self-report", never who."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from karpear.audit.models import AuditEntry
from karpear.cases.models import Case, CaseEvent, State
from karpear.cases.timeline import sentence
from karpear.hashes import services as hashes
from karpear.hashes.models import Bank, BankHash, Match
from karpear.orgs.models import Organisation
from karpear.platformlink.services import link_configure
from karpear.takeitdown.models import SelfReport
from tests.conftest import Client

pytestmark = pytest.mark.django_db
TESTDATA = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "pdq"
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"  # aaa-orig.jpg
MD5 = "d35c785545392755e7e4164457657269"
REF = re.compile(r'id="reference"[^>]*>([0-9A-Z-]{14})<')


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "hashes": f"pdq:{PDQ}\nmd5:{MD5}",
        "pictures": "1",
        "situation": "threatened",
        "contact": "",
        "submission": "tok-1",
    }
    data.update(overrides)
    return data


def test_the_page_explains_first_and_keeps_the_picture_out_of_the_form(client: Client) -> None:
    html = client.get("/take-it-down/").content.decode()
    assert '<html lang="km">' in html
    assert "នេះមិនមែនជាកំហុសរបស់អ្នកទេ" in html  # "it is not your fault"
    form = html[html.index('<form method="post"') : html.index("</form>")]
    assert 'type="file"' not in form and "multipart" not in form
    file_box = re.search(r'<input type="file"[^>]*>', html)
    assert file_box and "name=" not in file_box.group(0)  # a box without a name is never sent
    assert '<div id="tid-app" hidden' in html  # the hashing part needs JavaScript…
    nojs = html[html.index('<div id="tid-nojs"') : html.index('<div id="tid-app"')]
    assert 'href="tel:1280"' in nojs and 'href="/"' in nojs  # …without it, the alternatives
    for script in re.findall(r"<script[^>]*>", html):
        assert re.fullmatch(r'<script src="/static/karpear/[a-z]+\.js" defer>', script)


def test_the_english_page(client: Client) -> None:
    html = client.get("/en/take-it-down/").content.decode()
    assert "It is not your fault, and you are not in trouble." in html
    assert "It stays on your phone: it is never sent to us or to anyone." in html


def test_the_hashes_go_into_the_self_report_bank_without_a_link_back(
    client: Client, acme: Organisation
) -> None:
    response = client.post("/en/take-it-down/", _form(contact="+855 12 345 678"))
    assert response.status_code == 200
    match = REF.search(response.content.decode())
    assert match
    bank = Bank.objects.get(organisation=acme)
    assert (bank.name, bank.source, bank.policy) == ("self-report", "self-report", "review")
    stored = set(BankHash.objects.filter(bank=bank).values_list("kind", "value", "source_id"))
    assert stored == {("pdq", PDQ, ""), ("md5", MD5, "")}
    report = SelfReport.objects.get(reference=match.group(1))
    assert (report.situation, report.pictures, report.hashes_added) == ("threatened", 1, 2)
    # Encrypted: neither the number nor its digits appear ("345" alone once turned up by
    # chance in the token's base64).
    enc = report.contact_enc
    assert enc and not any(t in enc for t in ("345 678", "12345678", "85512345678"))
    entry = AuditEntry.objects.get(action="self_report_received")
    detail = json.dumps(entry.detail)
    assert PDQ not in detail and not any(t in detail for t in ("345 678", "12345678"))


def test_a_double_tap_gives_the_first_receipt(client: Client, acme: Organisation) -> None:
    first = REF.search(client.post("/en/take-it-down/", _form()).content.decode())
    again = REF.search(client.post("/en/take-it-down/", _form()).content.decode())
    assert first and again and first.group(1) == again.group(1)
    assert SelfReport.objects.count() == 1 and BankHash.objects.count() == 2


def test_a_picture_already_in_the_bank_adds_nothing(client: Client, acme: Organisation) -> None:
    client.post("/en/take-it-down/", _form())
    other = "0" * 31 + "1"
    client.post("/en/take-it-down/", _form(hashes=f"pdq:{PDQ}\nmd5:{other}", submission="tok-2"))
    first, second = SelfReport.objects.order_by("id")
    assert (first.hashes_added, second.hashes_added) == (2, 1)
    assert BankHash.objects.count() == 3


def test_the_policy_can_be_act(client: Client, acme: Organisation, settings: Any) -> None:
    settings.KARPEAR_SELF_REPORT_POLICY = "act"
    client.post("/en/take-it-down/", _form())
    assert Bank.objects.get(organisation=acme).policy == "act"


@pytest.mark.parametrize(
    "hashes",
    [
        "",
        f"sha1:{MD5}",
        f"pdq:{PDQ[:-1]}",
        f"pdq:{PDQ[:-1]}z",
        f"md5:{MD5}\x00",
        "pdq:" + "0" * 4000,
        "\n".join(f"md5:{i:032x}" for i in range(41)),
        "this is a photo",
    ],
)
def test_anything_but_hashes_is_refused(client: Client, acme: Organisation, hashes: str) -> None:
    response = client.post("/en/take-it-down/", _form(hashes=hashes))
    assert response.status_code == 400
    if "\x00" not in hashes:  # a NUL is refused earlier, by core.guards, for every form
        assert "Please choose the picture first" in response.content.decode()
    assert not SelfReport.objects.exists() and not BankHash.objects.exists()


def test_a_situation_is_needed(client: Client, acme: Organisation) -> None:
    response = client.post("/en/take-it-down/", _form(situation="bored"))
    assert response.status_code == 400
    assert "Please choose what is happening." in response.content.decode()
    assert not SelfReport.objects.exists()


def test_a_file_upload_is_refused(client: Client, acme: Organisation) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/en/take-it-down/",
        {**_form(), "picture": SimpleUploadedFile("a.jpg", b"\xff\xd8\xff" + b"0" * 100)},
    )
    assert response.status_code >= 400
    assert not SelfReport.objects.exists()


def test_organisations_never_mix(
    client: Client, bayon_client: Client, acme: Organisation, bayon: Organisation
) -> None:
    bayon_client.post("/en/take-it-down/", _form())
    assert Bank.objects.get().organisation == bayon
    result = hashes.check(organisation=acme, content_id="post-1", hashes=[("pdq", PDQ)])
    assert result["matched"] is False


def _upload_matches(org: Organisation) -> dict[str, Any]:
    return hashes.check(organisation=org, content_id="post:11", hashes=[("md5", MD5)])


def test_a_matching_upload_is_isolated_for_review_and_says_self_report(
    client: Client, acme: Organisation
) -> None:
    link_configure(
        organisation=acme, webhook_url="http://127.0.0.1:9/hook", hosted_domains=["social.example"]
    )
    client.post("/en/take-it-down/", _form(contact="me@example.org"))
    result = _upload_matches(acme)
    assert result["matched"] and result["action"] == "review"
    assert result["matches"][0]["source"] == "self-report"
    assert result["matches"][0]["source_id"] == ""  # nothing that leads to her
    case = Case.objects.get(pk=result["case_id"])
    assert case.state == State.ISOLATED and case.source == "hash_match"
    isolation = case.decisions.get()
    assert (isolation.kind, isolation.ground) == ("content_isolate", "terms")
    event = CaseEvent.objects.get(case=case, kind="transition")
    assert event.detail == {"on_receipt": True, "self_report": True}
    words = " ".join(str(sentence(e)) for e in CaseEvent.objects.filter(case=case))
    assert "self-report" in words
    reference = SelfReport.objects.get().reference
    assert reference not in words and "me@example.org" not in words
    assert Match.objects.get().action == "review"


def test_without_a_platform_link_the_match_is_only_queued(
    client: Client, acme: Organisation
) -> None:
    client.post("/en/take-it-down/", _form())
    case = Case.objects.get(pk=_upload_matches(acme)["case_id"])
    assert case.state == State.RECEIVED


def test_the_status_page_knows_a_take_it_down_code(
    client: Client, bayon_client: Client, acme: Organisation, bayon: Organisation
) -> None:
    match = REF.search(client.post("/en/take-it-down/", _form()).content.decode())
    assert match
    code = match.group(1)
    html = client.post("/en/status/", {"reference": code.lower()}).content.decode()
    assert "We have the codes of your pictures." in html and code in html
    # Another organisation's status page does not know it.
    other = bayon_client.post("/en/status/", {"reference": code})
    assert other.status_code == 404 and "We have the codes" not in other.content.decode()


def test_her_contact_is_erased_after_the_retention_period(
    client: Client, acme: Organisation
) -> None:
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from karpear.core.jobs import job
    from karpear.takeitdown.services import erase_expired_self_report_contacts

    client.post("/en/take-it-down/", _form(contact="+855 12 345 678"))
    report = SelfReport.objects.get()
    days = settings.KARPEAR_CONTACT_RETENTION_DAYS
    assert erase_expired_self_report_contacts(now=timezone.now() + timedelta(days=days - 1)) == 0
    later = timezone.now() + timedelta(days=days + 1)
    assert erase_expired_self_report_contacts(now=later) == 1
    report.refresh_from_db()
    assert report.contact_enc == "" and report.reference  # the receipt still answers
    assert erase_expired_self_report_contacts(now=later) == 0  # nothing twice
    assert AuditEntry.objects.filter(action="self_report_contacts_erased").count() == 1
    assert job("erase_expired_self_report_contacts").run is erase_expired_self_report_contacts
