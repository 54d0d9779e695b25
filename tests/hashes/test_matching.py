"""Banks, imports, exact matching equal to brute force, and the check API (issue #6)."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFilter

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.cases.models import Case
from karpear.core.errors import ApplicationError
from karpear.hashes import services
from karpear.hashes.index import PdqIndex, forget
from karpear.hashes.models import Match
from karpear.orgs.models import Organisation
from tests.cast import sign_in
from tests.conftest import Client

pytestmark = pytest.mark.django_db
TESTDATA = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "pdq"


@pytest.fixture(autouse=True)
def _fresh_index() -> None:
    forget()


def _random_hex(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(64))


def _flip(hex_value: str, bits: int, rng: random.Random) -> str:
    number = int(hex_value, 16)
    for bit in rng.sample(range(256), bits):
        number ^= 1 << bit
    return f"{number:064x}"


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


@pytest.mark.parametrize("clustered", [False, True])
def test_the_index_returns_exactly_what_brute_force_returns(clustered: bool) -> None:
    rng = random.Random(7)
    if clustered:
        centres = [_random_hex(rng) for _ in range(20)]
        stored = [_flip(rng.choice(centres), rng.randint(0, 40), rng) for _ in range(3000)]
    else:
        stored = [_random_hex(rng) for _ in range(3000)]
    index = PdqIndex()
    index.add(list(range(1, len(stored) + 1)), stored)
    queries = [_flip(rng.choice(stored), rng.randint(1, 31), rng) for _ in range(50)]
    queries += [_random_hex(rng) for _ in range(50)]
    for query in queries:
        expected = sorted(
            (i + 1, _distance(query, h)) for i, h in enumerate(stored) if _distance(query, h) <= 31
        )
        assert index.search(query, 31) == expected
    index.remove([1, 2, 3])
    assert all(pk > 3 for pk, _ in index.search(stored[0], 256))


def test_import_reports_bad_lines_and_skips_duplicates(acme: Organisation) -> None:
    bank = services.bank_create(
        organisation=acme, name="iwf", source="iwf", agreement="IWF member 2026-14"
    )
    text = "\n".join(
        [
            "hash_type,hash,source_id,classification",
            "pdq," + "a" * 64 + ",IWF-1,A1",
            "md5," + "b" * 32 + ",IWF-2,B2",
            "pdq," + "a" * 63 + ",IWF-3,A1",  # too short
            "sha1," + "c" * 40 + ",IWF-4,",  # unknown type
            "md5," + "z" * 32 + ",IWF-5,",  # not hex
            "pdq," + "A" * 64 + ",IWF-1,A1",  # the first line again, upper case
        ]
    )
    result = services.hashes_import(bank=bank, text=text)
    assert result.added == 2 and result.duplicates == 1  # the repeated line
    assert [n for n, _ in result.bad_lines] == [4, 5, 6]
    again = services.hashes_import(bank=bank, text=text)
    assert again.added == 0 and again.duplicates == 3
    with pytest.raises(ApplicationError):
        services.bank_create(organisation=acme, name="x", source="iwf", agreement=" ")


def _bank_of_reference_images(org: Organisation, policy: str) -> None:
    manifest = json.loads((TESTDATA / "manifest.json").read_text())
    original = next(e for e in manifest["images"] if e["file"].endswith("aaa-orig.jpg"))
    bank = services.bank_create(
        organisation=org, name="hotline", source="hotline", agreement="MoU 2026", policy=policy
    )
    services.hashes_import(bank=bank, text=f"pdq,{original['pdq']},HL-1,A1\n")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.mark.skipif(not TESTDATA.exists(), reason="../shared/testdata is not here")
def test_a_blurred_resized_copy_matches_and_the_content_is_isolated(acme: Organisation) -> None:
    _bank_of_reference_images(acme, "act")
    _, token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="app")
    original = Image.open(TESTDATA / "images" / "aaa-orig.jpg")
    modified = original.filter(ImageFilter.GaussianBlur(2)).resize(
        (original.width // 2, original.height // 2)
    )
    client = Client()
    response = client.post(
        "/api/v1/hashes/check",
        {
            "content_id": "post-77",
            "file": SimpleUploadedFile("a.jpg", _jpeg(modified), "image/jpeg"),
        },
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["matched"] and body["action"] == "act"
    assert body["matches"][0]["source_id"] == "HL-1" and body["matches"][0]["distance"] <= 31
    case = Case.objects.get(pk=body["case_id"])
    assert case.source == "hash_match" and case.state == "isolated" and case.priority == 1
    assert Match.objects.filter(content_id="post-77").count() == 1
    # An unrelated image does not match.
    rng = np.random.default_rng(3)
    noise = Image.fromarray(rng.integers(0, 255, (256, 256, 3), dtype=np.uint8))
    other = client.post(
        "/api/v1/hashes/check",
        {"content_id": "post-78", "file": SimpleUploadedFile("b.jpg", _jpeg(noise), "image/jpeg")},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert other.json()["matched"] is False and other.json()["case_id"] is None


def test_json_checks_and_bad_requests(acme: Organisation, bayon: Organisation) -> None:
    bank = services.bank_create(
        organisation=acme, name="own", source="own", agreement="own cases", policy="review"
    )
    md5 = "d" * 32
    services.hashes_import(bank=bank, text=f"md5,{md5},case-1,\n")
    _, token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="app")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()

    def post(body: object) -> object:
        return client.post(
            "/api/v1/hashes/check", json.dumps(body), content_type="application/json", **auth
        )

    hit = post({"content_id": "c1", "hashes": [{"type": "md5", "value": md5.upper()}]})
    assert hit.json()["action"] == "review" and hit.json()["case_id"]  # type: ignore[attr-defined]
    for bad in (
        {"content_id": "c2", "hashes": [{"type": "md5", "value": "xyz"}]},
        {"content_id": "c2", "hashes": [{"type": "crc32", "value": "0" * 8}]},
        {"content_id": "", "hashes": [{"type": "md5", "value": md5}]},
        {"content_id": "c2", "hashes": []},
        {"content_id": "c2"},
    ):
        response = post(bad)
        assert response.status_code == 400, bad  # type: ignore[attr-defined]
        assert response.json()["error"]["message"]  # type: ignore[attr-defined]
    garbage = client.post(
        "/api/v1/hashes/check", b"{not json", content_type="application/json", **auth
    )
    assert garbage.status_code == 400
    assert (
        client.post("/api/v1/hashes/check", "{}", content_type="application/json").status_code
        == 401
    )
    _, isp = apikey_create(organisation=acme, scope=Scope.ISP, name="isp")
    wrong = client.post(
        "/api/v1/hashes/check",
        "{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {isp}",
    )
    assert wrong.status_code in (401, 403)
    # Another organisation's key matches nothing of Acme's banks.
    _, theirs = apikey_create(organisation=bayon, scope=Scope.PLATFORM, name="b")
    other = client.post(
        "/api/v1/hashes/check",
        json.dumps({"content_id": "c1", "hashes": [{"type": "md5", "value": md5}]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {theirs}",
        HTTP_HOST="bayon.test",
    )
    assert other.json()["matched"] is False


def test_disabled_hashes_never_match(acme: Organisation) -> None:
    bank = services.bank_create(organisation=acme, name="b", source="iwf", agreement="x")
    value = "e" * 64
    services.hashes_import(bank=bank, text=f"pdq,{value},1,\n")
    assert services.find(acme, [("pdq", value)])
    row = bank.hashes.get()
    with pytest.raises(ApplicationError):
        services.hash_disable(bank_hash=row, reason=" ")
    services.hash_disable(bank_hash=row, reason="false positive: a logo")
    assert services.find(acme, [("pdq", value)]) == []


def test_a_flooding_hash_is_quarantined_and_stops_acting(
    acme: Organisation, settings: object, lead: object
) -> None:
    settings.KARPEAR_HASH_FLOOD_MAX = 3  # type: ignore[attr-defined]
    bank = services.bank_create(
        organisation=acme, name="act", source="iwf", agreement="x", policy="act"
    )
    md5 = "f" * 32
    services.hashes_import(bank=bank, text=f"md5,{md5},1,\n")
    actions = [
        services.check(organisation=acme, content_id=f"item-{i}", hashes=[("md5", md5)])["action"]
        for i in range(5)
    ]
    assert actions == ["act", "act", "act", "review", "review"]
    row = bank.hashes.get()
    assert row.quarantined_at is not None
    client = sign_in(lead)  # type: ignore[arg-type]
    page = client.get("/en/desk/hashes/")
    assert b"Quarantined hashes" in page.content
    client.post("/en/desk/hashes/release/", {"hash": str(row.pk)})
    row.refresh_from_db()
    assert row.quarantined_at is None
    # The lead rejects a match: it counts against the hash.
    match = Match.objects.filter(content_id="item-0").get()
    client.post(f"/en/desk/hashes/matches/{match.pk}/", {"decision": "reject"})
    match.refresh_from_db()
    row.refresh_from_db()
    assert match.status == "rejected" and row.false_positives == 1
    again = client.post(f"/en/desk/hashes/matches/{match.pk}/", {"decision": "confirm"})
    assert again.status_code == 302
    match.refresh_from_db()
    assert match.status == "rejected"  # decided once


def test_evidence_of_content_removed_under_the_law_feeds_the_own_bank(
    acme: Organisation, django_capture_on_commit_callbacks: Any
) -> None:
    from karpear.evidence.services import evidence_capture
    from tests.cast import make_case, record_removal_under_law
    from tests.evidence.conftest import benign_png

    case = make_case(acme)
    data = benign_png(4)
    evidence_capture(
        organisation=acme,
        case_id=case.pk,
        content=data,
        content_type="image/png",
        metadata={},
        source="staff",
        actor="t",
    )
    with django_capture_on_commit_callbacks(execute=True):
        record_removal_under_law(case)
    own = services.get_bank(acme, "own-confirmed")
    assert own.source == "own" and own.hashes.count() == 2
    import hashlib

    found = services.find(acme, [("sha256", hashlib.sha256(data).hexdigest())])
    assert found and found[0].bank_hash.source_id == f"case-{case.pk}"


def test_export_round_trips_through_import(acme: Organisation, bayon: Organisation) -> None:
    import io as _io

    from django.core.management import call_command

    bank = services.bank_create(organisation=acme, name="own", source="own", agreement="x")
    text = "pdq," + "1" * 64 + ",case-1,A1\nmd5," + "2" * 32 + ",case-2,\n"
    services.hashes_import(bank=bank, text=text)
    services.hash_disable(bank_hash=bank.hashes.get(kind="md5"), reason="false positive")
    out = _io.StringIO()
    call_command("hashes", "export", "--bank", "own", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == ["hash_type,hash,source_id,classification", "pdq," + "1" * 64 + ",case-1,A1"]
    theirs = services.bank_create(
        organisation=bayon, name="from-acme", source="hotline", agreement="y"
    )
    result = services.hashes_import(bank=theirs, text=out.getvalue())
    assert result.added == 1 and not result.bad_lines


def test_the_index_catches_up_in_batches_and_after_a_bank_is_switched_back_on(
    acme: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    from karpear.hashes import index as index_module

    monkeypatch.setattr(index_module, "BATCH", 2)
    bank = services.bank_create(organisation=acme, name="b", source="iwf", agreement="x")
    values = [f"{n:064x}" for n in (1, 2**60, 2**120, 2**180, 2**240)]
    services.find(acme, [("pdq", values[0])])  # an index exists before the import
    services.hashes_import(bank=bank, text="".join(f"pdq,{v},{i},\n" for i, v in enumerate(values)))
    for value in values:  # five new hashes, read two at a time: none is skipped
        assert [f.distance for f in services.find(acme, [("pdq", value)])][:1] == [0]
    # Hashes imported while their bank is switched off match once it is switched on again.
    paused = services.bank_create(organisation=acme, name="paused", source="iwf", agreement="x")
    type(paused).objects.filter(pk=paused.pk).update(active=False)
    late = f"{2**255 + 2**7:064x}"
    services.hashes_import(bank=paused, text=f"pdq,{late},late,\n")
    services.hashes_import(bank=bank, text=f"pdq,{2**100 + 2**3:064x},newer,\n")
    assert all(f.bank_hash.bank_id != paused.pk for f in services.find(acme, [("pdq", late)]))
    type(paused).objects.filter(pk=paused.pk).update(active=True)
    assert any(f.bank_hash.bank_id == paused.pk for f in services.find(acme, [("pdq", late)]))


def test_an_oversized_upload_is_refused(acme: Organisation) -> None:
    _, token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="app")
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (20 * 1024 * 1024), "image/jpeg")
    response = Client().post(
        "/api/v1/hashes/check",
        {"content_id": "huge", "file": big},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 413
    assert response.json()["error"]["message"]
    assert not Match.objects.exists()
