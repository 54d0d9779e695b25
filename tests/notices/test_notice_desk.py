"""Notices on the desk: entered from a letter, shown at the top, confirmations visible."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.core.filecrypt import read_encrypted
from karpear.notices.models import Issuer, Notice
from karpear.orgs.models import Organisation
from karpear.platformlink.services import deliver_due
from tests.cast import Person, sign_in
from tests.conftest import Client
from tests.notices.test_notices_api import NOTICE, send
from tests.platform_fixture import RefPlatform

PDF = b"%PDF-1.4\n% a benign scanned letter from the Anti-Cybercrime Unit\n%%EOF\n"


def _form(acme: Organisation, **overrides: object) -> dict[str, object]:
    from karpear.notices.services import issuers

    acu = next(i for i in issuers(acme) if i.kind == "acu")
    form: dict[str, object] = {
        "issuer": acu.pk,
        "issuer_reference": "ACU/LETTER/9",
        "legal_basis": "Court order 12",
        "items": "https://social.example/p/4\nid:post:6",
        "actions": ["takedown", "preserve"],
        "scan": SimpleUploadedFile("letter.pdf", PDF, "application/pdf"),
    }
    form.update(overrides)
    return form


def test_a_letter_is_entered_acted_on_and_its_scan_kept_encrypted(
    acme: Organisation, analyst: Person, ref_platform: RefPlatform
) -> None:
    client = sign_in(analyst)
    response = client.post("/en/desk/notices/new/", _form(acme))
    assert response.status_code == 302, response.content
    notice = Notice.objects.get()
    assert notice.channel == "desk" and notice.entered_by == analyst.member.user
    assert [i.status for i in notice.items.all()] == ["isolated", "isolated"]
    raw = (Path(settings.DATA_DIR) / "files" / "notice-scans" / notice.scan_file).read_bytes()
    assert b"%PDF" not in raw and b"Anti-Cybercrime" not in raw
    assert read_encrypted("notice-scans", notice.scan_file) == PDF
    deliver_due()
    assert ref_platform.state()["posts"]["post:6"]["state"] == "hidden"


def test_a_scan_that_is_not_a_document_is_refused(acme: Organisation, analyst: Person) -> None:
    client = sign_in(analyst)
    fake = SimpleUploadedFile("letter.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client.post("/en/desk/notices/new/", _form(acme, scan=fake))
    assert response.status_code == 400
    assert "PDF, JPEG or PNG" in response.content.decode()
    assert Notice.objects.count() == 0


def test_entering_the_same_letter_twice_acts_once(acme: Organisation, analyst: Person) -> None:
    client = sign_in(analyst)
    client.post("/en/desk/notices/new/", _form(acme))
    again = client.post("/en/desk/notices/new/", _form(acme), follow=True)
    assert "already recorded" in again.content.decode()
    assert Notice.objects.count() == 1


def test_the_notice_case_is_first_in_the_queue_with_its_confirmation(
    client: Client, acme: Organisation, analyst: Person, ref_platform: RefPlatform
) -> None:
    from tests.cast import make_case

    make_case(acme, url="https://older.example/1")
    token = apikey_create(organisation=acme, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")[1]
    send(client, token, NOTICE)
    deliver_due()
    desk = sign_in(analyst)
    queue = desk.get("/en/desk/queue/").content.decode()
    first = int(re.findall(r'href="/en/desk/cases/(\d+)/"', queue)[0])
    page = desk.get(f"/en/desk/cases/{first}/").content.decode()
    assert "Opened by a takedown notice" in page
    assert "not yet" not in page.split("Decisions")[1].split("Referrals")[0]
    notices_page = desk.get("/en/desk/notices/").content.decode()
    assert "ACU/2026/0042" in notices_page
    assert Issuer.objects.filter(organisation=acme).count() == 2
