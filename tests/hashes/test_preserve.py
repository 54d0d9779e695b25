"""What happens to matching bytes (issue #6, items 6 and 7): kept in the vault only when the bank
asks; confirmed images feed their PDQ into the own bank, so an edited copy is caught next time."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.evidence.models import EvidenceItem
from karpear.evidence.services import evidence_capture
from karpear.hashes import services
from karpear.hashes.hashing import image_hashes
from karpear.orgs.models import Organisation
from karpear.platformlink.models import WebhookEvent
from karpear.platformlink.services import link_configure
from tests.cast import make_case, record_removal_under_law
from tests.conftest import Client

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "hashes"


def _check(token: str, name: str, content_id: str) -> Any:
    data = (EXAMPLES / name).read_bytes()
    return Client().post(
        "/api/v1/hashes/check",
        {"content_id": content_id, "file": SimpleUploadedFile(name, data, "image/jpeg")},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.mark.parametrize("preserve", [True, False], ids=["bank-keeps", "platform-uploads"])
def test_matching_uploads_are_kept_in_the_vault_only_when_the_bank_asks(
    acme: Organisation, preserve: bool
) -> None:
    link_configure(organisation=acme, webhook_url="http://127.0.0.1:9/hook", hosted_domains=[])
    bank = services.bank_create(
        organisation=acme,
        name="hotline",
        source="hotline",
        agreement="MoU 2026-3",
        policy="act",
        preserve_uploads=preserve,
    )
    services.hashes_import(bank=bank, text=(EXAMPLES / "demo-bank.csv").read_text())
    token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="app")[1]

    hit = _check(token, "modified-copy.jpg", "post:41")
    assert hit.status_code == 200 and hit.json()["action"] == "act"
    events = set(WebhookEvent.objects.values_list("event_type", flat=True))
    assert "content.isolate" in events
    kept = EvidenceItem.objects.filter(case_id=hit.json()["case_id"])
    if preserve:
        item = kept.get()
        data = (EXAMPLES / "modified-copy.jpg").read_bytes()
        assert item.sha256 == hashlib.sha256(data).hexdigest() and item.source == "hash_check"
        assert "content.preserve" not in events  # Karpear has the bytes; no second upload
    else:
        assert not kept.exists() and "content.preserve" in events

    miss = _check(token, "unrelated.jpg", "post:42")
    assert miss.json()["matched"] is False
    assert EvidenceItem.objects.count() == (1 if preserve else 0)


def test_a_confirmed_image_feeds_its_pdq_into_the_own_bank_and_an_edit_of_it_matches(
    acme: Organisation, django_capture_on_commit_callbacks: Any
) -> None:
    from PIL import Image, ImageFilter

    case = make_case(acme)
    data = (EXAMPLES / "modified-copy.jpg").read_bytes()
    item = evidence_capture(
        organisation=acme,
        case_id=case.pk,
        content=data,
        content_type="image/jpeg",
        metadata={},
        source="platform",
        actor="t",
    )
    assert item.pdq == image_hashes(data).pdq
    with django_capture_on_commit_callbacks(execute=True):
        record_removal_under_law(case)
    own = services.get_bank(acme, "own-confirmed")
    assert set(own.hashes.values_list("kind", flat=True)) == {"md5", "sha256", "pdq"}

    import io

    edited = io.BytesIO()
    Image.open(io.BytesIO(data)).filter(ImageFilter.GaussianBlur(1)).resize((240, 150)).save(
        edited, "JPEG", quality=70
    )
    again = image_hashes(edited.getvalue())
    assert again.md5 != image_hashes(data).md5
    found = services.find(acme, [("md5", again.md5), ("pdq", again.pdq)])
    assert [f.bank_hash.kind for f in found] == ["pdq"]
    assert found[0].bank_hash.source_id == f"case-{case.pk}" and found[0].distance <= 31
