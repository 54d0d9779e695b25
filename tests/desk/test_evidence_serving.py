"""Evidence is served by its bytes, opened only by POST (issue #15, item 15).

A raster picture (JPEG, PNG, GIF, WebP, decided from the magic number) is
shown inline in the blurred viewer; anything else, SVG included and whatever
type was declared, is a download. Opening with a reason is a CSRF-checked
POST; a reason in a link's query string opens nothing.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client as DjangoClient

from karpear.cases.models import Case
from karpear.evidence.models import CustodyEntry, EvidenceItem
from karpear.evidence.services import evidence_capture
from karpear.orgs.models import Organisation
from tests.cast import Person, sign_in
from tests.conftest import Client
from tests.evidence.conftest import benign_png, case, item, screen

__all__ = ["case", "item"]  # the vault fixtures, shared with tests/evidence

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def worker(case: Case, analyst: Person) -> Client:
    screen(analyst)
    Case.objects.filter(pk=case.pk).update(assignee=analyst.member.user)
    return sign_in(analyst)


def _capture(acme: Organisation, case: Case, data: bytes, declared: str) -> EvidenceItem:
    return evidence_capture(
        organisation=acme,
        case_id=case.pk,
        content=data,
        content_type=declared,
        metadata={},
        source="staff",
        actor="test",
    )


def _img_src(page: str) -> str:
    found = re.search(r'<img src="([^"]+)"', page)
    assert found, "the viewer shows no picture"
    return found.group(1).replace("&amp;", "&")


def test_the_viewer_picture_is_served_inline_once_per_grant(
    worker: Client, item: EvidenceItem
) -> None:
    src = _img_src(worker.get(f"/en/desk/evidence/{item.pk}/").content.decode())
    assert "reason=" not in src
    picture = worker.get(src)
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")
    assert picture["Content-Type"] == "image/png"
    assert picture["Content-Disposition"].startswith("inline")
    assert picture["X-Content-Type-Options"] == "nosniff"
    assert worker.get(src).status_code == 400  # the grant was used
    opened = CustodyEntry.objects.filter(item=item, action="open")
    assert list(opened.values_list("reason", flat=True)) == ["view"]


def test_showing_clearly_records_the_reason_given_by_post(
    worker: Client, item: EvidenceItem
) -> None:
    page = worker.post(f"/en/desk/evidence/{item.pk}/", {"reveal": "1", "reason": "confirm"})
    assert 'class="viewer"' in page.content.decode()
    assert worker.get(_img_src(page.content.decode())).status_code == 200
    assert CustodyEntry.objects.filter(item=item, action="open", reason="confirm").exists()


def test_a_reason_in_the_query_string_opens_nothing(worker: Client, item: EvidenceItem) -> None:
    response = worker.get(f"/en/desk/evidence/{item.pk}/content/?reason=review")
    assert response.status_code == 400
    assert b"PNG" not in response.content
    assert not CustodyEntry.objects.filter(item=item, action__in=["open", "download"]).exists()


def test_a_grant_for_one_item_does_not_open_another(
    worker: Client, item: EvidenceItem, acme: Organisation, case: Case
) -> None:
    other = _capture(acme, case, benign_png(3), "image/png")
    src = _img_src(worker.get(f"/en/desk/evidence/{item.pk}/").content.decode())
    grant = src.split("grant=", 1)[1]
    assert worker.get(f"/en/desk/evidence/{other.pk}/content/?grant={grant}").status_code == 400


def test_download_is_a_post_with_a_reason_and_an_attachment(
    worker: Client, item: EvidenceItem
) -> None:
    url = f"/en/desk/evidence/{item.pk}/content/"
    assert worker.post(url, {"reason": ""}).status_code == 400
    response = worker.post(url, {"reason": "for the police file"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert CustodyEntry.objects.filter(
        item=item, action="download", reason="for the police file"
    ).exists()


def test_download_needs_the_csrf_token(item: EvidenceItem, case: Case, analyst: Person) -> None:
    screen(analyst)
    Case.objects.filter(pk=case.pk).update(assignee=analyst.member.user)
    signed_in = sign_in(analyst)
    strict = DjangoClient(enforce_csrf_checks=True)
    strict.cookies = signed_in.cookies
    response = strict.post(
        f"/en/desk/evidence/{item.pk}/content/",
        "reason=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 403
    assert not CustodyEntry.objects.filter(item=item, action="download").exists()


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (SVG, "image/svg+xml"),
        (b"<html><script>alert(1)</script></html>", "image/png"),  # lies about its type
        (b"%PDF-1.4 not a picture", "application/pdf"),
    ],
)
def test_anything_but_a_raster_picture_is_never_inline(
    worker: Client, acme: Organisation, case: Case, data: bytes, declared: str
) -> None:
    item = _capture(acme, case, data, declared)
    page = worker.get(f"/en/desk/evidence/{item.pk}/").content.decode()
    if declared == "image/png":  # declared as a picture: the viewer asks, the bytes decide
        response = worker.get(_img_src(page))
    else:
        assert "<img" not in page
        response = worker.post(f"/en/desk/evidence/{item.pk}/content/", {"reason": "check"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xd8\xff\xe0" + b"0" * 20, "image/jpeg"),
        (b"GIF89a" + b"0" * 20, "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"0" * 20, "image/webp"),
        (SVG, None),
        (b"\x89PN", None),
    ],
)
def test_the_type_comes_from_the_magic_number(data: bytes, expected: str | None) -> None:
    from karpear.core.sniff import raster_image_type

    assert raster_image_type(data) == expected


def test_another_organisation_cannot_open_it(item: EvidenceItem, outsider: Person) -> None:
    screen(outsider)
    response = sign_in(outsider, "bayon.test").post(
        f"/en/desk/evidence/{item.pk}/content/", {"reason": "curious"}
    )
    assert response.status_code in (403, 404)
    assert not CustodyEntry.objects.filter(item=item, action="download").exists()
