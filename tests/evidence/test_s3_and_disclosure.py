"""The S3 path against a local S3-compatible server, and lawful disclosure packages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from karpear.cases.models import Case
from karpear.core.errors import ApplicationError
from karpear.evidence.disclosure import (
    disclosure_approve,
    disclosure_request,
    package_path,
    package_verify,
)
from karpear.evidence.models import CustodyEntry, EvidenceItem
from karpear.evidence.services import evidence_capture, purge_expired, read_plain
from karpear.evidence.storage import LocalBackend, StorageError, backend
from karpear.orgs.models import Organisation
from tests.cast import Person
from tests.evidence.conftest import benign_png, screen
from tests.platform_fixture import free_port

# A PNG in clear starts with these 8 bytes; b"PNG" alone turns up in random ciphertext
# about once in 16,000 runs per kilobyte.
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def s3(settings: Any) -> Iterator[Any]:
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    settings.KARPEAR_EVIDENCE_BACKEND = "s3"
    settings.KARPEAR_EVIDENCE_S3_ENDPOINT = f"http://127.0.0.1:{port}"
    settings.KARPEAR_EVIDENCE_S3_ACCESS_KEY = "test"
    settings.KARPEAR_EVIDENCE_S3_SECRET_KEY = "test"
    client = boto3.client(
        "s3",
        endpoint_url=settings.KARPEAR_EVIDENCE_S3_ENDPOINT,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=settings.KARPEAR_EVIDENCE_S3_BUCKET)
    yield client
    server.stop()


def test_the_s3_backend_stores_encrypted_and_destroys(
    s3: Any, acme: Organisation, case: Case, settings: Any
) -> None:
    png = benign_png(5)
    item = evidence_capture(
        organisation=acme,
        case_id=case.pk,
        content=png,
        content_type="image/png",
        metadata={},
        source="staff",
        actor="test",
    )
    assert item.backend == "s3"
    stored = s3.get_object(Bucket=settings.KARPEAR_EVIDENCE_S3_BUCKET, Key=item.object_key)[
        "Body"
    ].read()
    assert png not in stored and PNG_SIGNATURE not in stored
    assert read_plain(item) == png
    purge_expired(now=item.retention_until)
    assert s3.list_objects_v2(Bucket=settings.KARPEAR_EVIDENCE_S3_BUCKET).get("KeyCount") == 0


def test_a_disclosure_is_approved_by_the_lead_and_verifies(
    item: EvidenceItem, case: Case, analyst: Person, lead: Person, recipient: Any
) -> None:
    request = disclosure_request(
        member=analyst.member,
        case=case,
        recipient_id=recipient.pk,
        legal_basis="Court order 77/2026",
        item_ids=[item.pk],
    )
    screen(lead)
    with pytest.raises(ApplicationError):
        disclosure_approve(member=analyst.member, disclosure_id=request.pk)
    disclosure, key = disclosure_approve(member=lead.member, disclosure_id=request.pk)
    path = package_path(disclosure)
    assert PNG_SIGNATURE not in path.read_bytes()
    manifest = package_verify(path, key)
    assert manifest["files"][f"item-{item.pk}"]["sha256"] == item.sha256
    call_command("evidence", "verify-package", str(path), "--key", key)
    assert CustodyEntry.objects.filter(item=item, action="disclose").count() == 1
    with pytest.raises(ApplicationError):
        disclosure_approve(member=lead.member, disclosure_id=request.pk)  # decided already


def test_a_package_with_the_wrong_key_or_altered_bytes_fails(
    item: EvidenceItem, case: Case, analyst: Person, lead: Person, recipient: Any
) -> None:
    screen(lead)
    request = disclosure_request(
        member=analyst.member,
        case=case,
        recipient_id=recipient.pk,
        legal_basis="order",
        item_ids=[item.pk],
    )
    disclosure, key = disclosure_approve(member=lead.member, disclosure_id=request.pk)
    path = package_path(disclosure)
    with pytest.raises(CommandError):
        call_command("evidence", "verify-package", str(path), "--key", "00" * 32)
    blob = bytearray(path.read_bytes())
    blob[-3] ^= 1
    altered = Path(str(path) + ".altered")
    altered.write_bytes(bytes(blob))
    with pytest.raises(CommandError):
        call_command("evidence", "verify-package", str(altered), "--key", key)


def test_a_disclosure_needs_a_registered_recipient_and_a_legal_basis(
    item: EvidenceItem, case: Case, analyst: Person, recipient: Any
) -> None:
    with pytest.raises(ApplicationError) as no_recipient:
        disclosure_request(
            member=analyst.member,
            case=case,
            recipient_id=None,
            legal_basis="Court order 77/2026",
            item_ids=[item.pk],
        )
    assert no_recipient.value.code == "recipient_required"
    with pytest.raises(ApplicationError):
        disclosure_request(
            member=analyst.member,
            case=case,
            recipient_id=recipient.pk,
            legal_basis=" ",
            item_ids=[item.pk],
        )


def test_the_desk_flow_from_request_to_verified_package(  # noqa: PLR0917 - fixtures
    item: EvidenceItem,
    case: Case,
    analyst: Person,
    lead: Person,
    tmp_path: Path,
    recipient: Any,
) -> None:
    import re

    from tests.cast import sign_in

    screen(analyst)
    screen(lead)
    Case.objects.filter(pk=case.pk).update(assignee=analyst.member.user)
    sign_in(analyst).post(
        f"/en/desk/evidence/{item.pk}/disclose/",
        {"registered_recipient": recipient.pk, "legal_basis": "Court order 77/2026"},
    )
    desk = sign_in(lead)
    listing = desk.get("/en/desk/disclosures/").content.decode()
    approve = re.search(r'action="(/en/desk/disclosures/\d+/approve/)"', listing)
    assert approve
    page = desk.post(approve.group(1)).content.decode()
    key = re.search(r'id="package-key">([0-9a-f]{64})<', page)
    assert key
    package = desk.get(approve.group(1).replace("approve", "package"))
    path = tmp_path / "package.kpd"
    path.write_bytes(package.content)
    assert package_verify(path, key.group(1))["agency"] == "Anti-Cybercrime Unit"


def test_a_registered_recipient_fills_the_request(
    item: EvidenceItem, case: Case, analyst: Person, lead: Person, acme: Organisation
) -> None:
    from karpear.evidence.recipients import recipient_set_active
    from tests.cast import register_recipient

    acu = register_recipient(
        lead.member,
        name="Cyber desk, Officer Sok",
        agency="Anti-Cybercrime Unit",
        kind="law_enforcement",
    )
    request = disclosure_request(
        member=analyst.member,
        case=case,
        recipient_id=acu.pk,
        legal_basis="Order 5",
        item_ids=[item.pk],
    )
    assert request.registered_recipient == acu and request.agency == "Anti-Cybercrime Unit"
    old = register_recipient(lead.member, name="Old", agency="X", kind="court")
    recipient_set_active(member=lead.member, recipient_id=old.pk, active=False)
    with pytest.raises(ApplicationError):
        disclosure_request(
            member=analyst.member,
            case=case,
            recipient_id=old.pk,
            legal_basis="Order 5",
            item_ids=[item.pk],
        )


@pytest.mark.parametrize("name", ["s3", "local"])
def test_a_new_object_never_replaces_one_with_its_name(
    s3: Any, name: str, settings: Any, tmp_path: Path
) -> None:
    """put_new is for a capture's fresh name: a second object under it (a repeated name, a
    retried write racing the first) is refused, with one error for both backends, and the
    first object stays as it was (PUT If-None-Match: * on S3; O_EXCL on a disk)."""
    store = backend(name) if name == "s3" else LocalBackend(tmp_path)
    store.put_new("ev-1", b"first")
    with pytest.raises(StorageError) as refused:
        store.put_new("ev-1", b"second")
    assert refused.value.status == 507
    assert str(refused.value) == "could not store the item: File exists"
    assert store.get("ev-1") == b"first"
    store.put_new("ev-2", b"other")  # another name is stored as before
    assert store.get("ev-2") == b"other"
