"""Preservation: the platform uploads, the vault stores it encrypted with fixed hashes."""

from __future__ import annotations

import errno
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.cases.models import Case
from karpear.core.crypto import decrypt_text
from karpear.evidence import storage
from karpear.evidence.models import CustodyEntry, EvidenceItem
from karpear.orgs.models import Organisation
from tests.conftest import Client
from tests.evidence.conftest import benign_png

# A PNG in clear starts with these 8 bytes; b"PNG" alone turns up in random ciphertext
# about once in 16,000 runs per kilobyte.
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _upload(
    client: Client,
    token: str,
    case_id: int,
    content: bytes,
    metadata: str = '{"owner": "owner-account-7731"}',
) -> Any:
    return client.post(
        "/api/v1/evidence",
        {
            "case_id": case_id,
            "metadata": metadata,
            "file": SimpleUploadedFile("post.png", content, "image/png"),
        },
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.fixture
def token(acme: Organisation) -> str:
    return apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")[1]


def test_an_upload_is_stored_encrypted_with_its_hashes(
    client: Client, token: str, case: Case
) -> None:
    png = benign_png(8)
    response = _upload(client, token, case.pk, png)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(png).hexdigest()
    assert body["md5"] == hashlib.md5(png, usedforsecurity=False).hexdigest()
    item = EvidenceItem.objects.get()
    raw = (Path(settings.DATA_DIR) / "vault" / item.object_key).read_bytes()
    assert PNG_SIGNATURE not in raw and b"IHDR" not in raw and png not in raw
    assert item.content_type == "image/png"
    assert json.loads(decrypt_text(item.metadata_encrypted)) == {"owner": "owner-account-7731"}
    # A marker long enough that random ciphertext cannot contain it by chance ("u2" once did).
    assert "owner-account-7731" not in item.metadata_encrypted
    assert list(CustodyEntry.objects.values_list("action", flat=True)) == ["capture"]
    assert (item.retention_until - item.captured_at).days == 180


def test_a_preserve_call_for_an_unknown_or_foreign_case_is_refused(
    client: Client, token: str, bayon: Organisation
) -> None:
    from tests.cast import make_case

    foreign = make_case(bayon)
    for case_id in (999_999, foreign.pk):
        assert _upload(client, token, case_id, benign_png(1)).status_code == 404
    assert EvidenceItem.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "metadata", "status"),
    [
        (b"", "{}", 400),
        (benign_png(1), "not json", 400),
        (benign_png(1), "[1, 2]", 400),
    ],
)
def test_bad_uploads_are_refused(  # noqa: PLR0917 - parametrized
    client: Client, token: str, case: Case, content: bytes, metadata: str, status: int
) -> None:
    assert _upload(client, token, case.pk, content, metadata).status_code == status
    assert EvidenceItem.objects.count() == 0


def test_an_upload_over_the_limit_is_refused(
    client: Client, token: str, case: Case, settings: Any
) -> None:
    settings.KARPEAR_EVIDENCE_MAX_BYTES = 100
    response = _upload(client, token, case.pk, benign_png(1) + b"\0" * 200)
    assert response.status_code == 413
    assert EvidenceItem.objects.count() == 0


def test_only_platform_keys_may_upload(client: Client, acme: Organisation, case: Case) -> None:
    issuer = apikey_create(organisation=acme, scope=Scope.ISSUER, name="ACU")[1]
    assert _upload(client, issuer, case.pk, benign_png(1)).status_code == 403
    assert client.post("/api/v1/evidence", {"case_id": case.pk}).status_code == 401


def test_a_full_disk_leaves_nothing_half_stored(
    client: Client, token: str, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr("karpear.evidence.storage.os.fsync", full)
        response = _upload(client, token, case.pk, benign_png(2))
    assert response.status_code == 507
    assert "No space left" in response.json()["error"]["message"]
    assert EvidenceItem.objects.count() == 0
    vault = Path(settings.DATA_DIR) / "vault"
    assert not list(vault.glob("*.partial"))


def test_the_local_backend_writes_atomically(tmp_path: Path) -> None:
    store = storage.LocalBackend(tmp_path)
    store.put("a", b"one")
    store.put("a", b"two")
    assert store.get("a") == b"two" and not list(tmp_path.glob("*.partial"))


@pytest.mark.django_db(transaction=True)
def test_the_reference_platform_uploads_what_it_is_asked_to_preserve(
    live_server: Any, acme: Organisation, tmp_path: Path
) -> None:
    """End to end over HTTP: a notice's preserve request lands in the vault, encrypted."""
    from karpear.notices.models import Action
    from karpear.notices.services import ItemIn, issuers, notice_receive
    from karpear.platformlink.services import deliver_due, link_configure
    from tests.platform_fixture import RefPlatform, free_port

    token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="Ref")[1]
    platform = RefPlatform(
        url=f"http://127.0.0.1:{free_port()}", secret_file=tmp_path / "s", db=tmp_path / "p.sqlite3"
    )
    _link, secret = link_configure(
        organisation=acme, webhook_url=platform.webhook_url, hosted_domains=["social.example"]
    )
    platform.secret_file.write_text(secret)
    (tmp_path / "key").write_text(token)
    platform.start(
        extra=["--karpear-url", live_server.url, "--karpear-key-file", str(tmp_path / "key")]
    )
    try:
        acu = next(i for i in issuers(acme) if i.kind == "acu")
        notice, _created = notice_receive(
            issuer=acu,
            issuer_reference="P-1",
            legal_basis="x",
            items=[ItemIn(url="https://social.example/p/9")],
            actions=[Action.TAKEDOWN, Action.PRESERVE],
            deadline=None,
        )
        deliver_due()
    finally:
        platform.stop()
    item = EvidenceItem.objects.get()
    assert item.case_id == notice.items.get().case_id
    assert item.sha256 == hashlib.sha256(benign_png(9)).hexdigest()
    raw = (Path(settings.DATA_DIR) / "vault" / item.object_key).read_bytes()
    assert PNG_SIGNATURE not in raw
