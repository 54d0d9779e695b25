"""Lawful disclosure: requested by case staff, approved by the safeguarding lead.

The package is a ZIP of the items and a manifest of their hashes, encrypted
as a whole with AES-256-GCM under a fresh key that is shown once to the lead
for delivery to the recipient by another channel. `karpear evidence
verify-package` (or any AES-GCM tool) opens it and checks every hash.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import uuid
import zipfile
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.cases.models import Case
from karpear.core.errors import ApplicationError, NotFound
from karpear.evidence.models import Disclosure, DisclosureStatus, EvidenceItem, Recipient
from karpear.evidence.recipients import clean_text
from karpear.evidence.services import _custody, read_plain, require_cleared
from karpear.staff.models import Role, StaffMember

MAGIC = b"KPD1"


def _directory() -> Path:
    path = Path(settings.DATA_DIR) / "files" / "disclosures"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


@transaction.atomic
def disclosure_request(
    *,
    member: StaffMember,
    case: Case,
    recipient_id: int | None,
    legal_basis: str,
    item_ids: list[int],
) -> Disclosure:
    """Ask to release items to a recipient on the organisation's register.

    Guidelines 2.6 b: disclose only to law enforcement or for a legal process, so the
    recipient is always one the lead or administrator registered (no free-text
    recipient); the legal basis names the order or request.
    """
    if not member.can_see_cases:
        raise ApplicationError(
            _("Your role cannot request a disclosure."), code="forbidden", status=403
        )
    registered = (
        Recipient.objects.filter(pk=recipient_id or 0, organisation=case.organisation)
        .usable()
        .first()
    )
    if registered is None:
        raise ApplicationError(
            _("Choose a recipient from the register."),
            code="recipient_required",
            fields={"registered_recipient": [str(_("Choose a recipient from the register."))]},
        )
    legal_basis = clean_text(legal_basis, 500)
    if not legal_basis:
        raise ApplicationError(_("Name the legal basis (the order or request)."))
    items = list(EvidenceItem.objects.filter(pk__in=item_ids, case=case, destroyed_at__isnull=True))
    if not items or len(items) != len(set(item_ids)):
        raise ApplicationError(_("Choose items of this case that still exist."))
    disclosure = Disclosure.objects.create(
        organisation=case.organisation,
        case=case,
        registered_recipient=registered,
        recipient=registered.name,
        agency=registered.agency,
        legal_basis=legal_basis,
        requested_by=member.user,
        requested_at=timezone.now(),
    )
    disclosure.items.set(items)
    audit_record(
        action="disclosure_request",
        organisation=case.organisation,
        actor=member.user,
        object_type="disclosure",
        object_id=disclosure.pk,
        detail={"recipient": registered.pk, "agency": registered.agency, "items": item_ids},
    )
    return disclosure


def disclosure_approve(*, member: StaffMember, disclosure_id: int) -> tuple[Disclosure, str]:
    """Approve and build the package; returns it with its key (hex), shown only once."""
    if member.role != Role.LEAD:
        raise ApplicationError(
            _("Only the safeguarding lead approves a disclosure."), code="forbidden", status=403
        )
    require_cleared(member)
    disclosure = Disclosure.objects.filter(
        pk=disclosure_id, organisation=member.organisation
    ).first()
    if disclosure is None:
        raise NotFound(_("There is no such disclosure."))
    if disclosure.status != DisclosureStatus.REQUESTED:
        raise ApplicationError(
            _("This disclosure was already decided."), code="decided", status=409
        )
    if disclosure.requested_by_id == member.user_id:
        # No one alone (guidelines 2.6 b; PRODUCT): the approver is never the requester.
        audit_record(
            action="disclosure_own_refused",
            organisation=member.organisation,
            actor=member.user,
            object_type="disclosure",
            object_id=disclosure.pk,
        )
        raise ApplicationError(
            _("You asked for this disclosure, so someone else must approve it."),
            code="own_request",
            status=403,
        )
    recipient = disclosure.registered_recipient
    if recipient is None or not recipient.usable:
        raise ApplicationError(
            _("The recipient is no longer on the register; ask for a new disclosure."),
            code="recipient_inactive",
            status=409,
        )
    files: dict[str, Any] = {}
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for item in disclosure.items.all():
            content = read_plain(item)
            name = f"item-{item.pk}"
            bundle.writestr(name, content)
            files[name] = {
                "sha256": item.sha256,
                "md5": item.md5,
                "size": item.size,
                "content_type": item.content_type,
                "captured_at": item.captured_at.isoformat(),
            }
        manifest = {
            "disclosure": disclosure.pk,
            "case": disclosure.case_id,
            "recipient": disclosure.recipient,
            "agency": disclosure.agency,
            "legal_basis": disclosure.legal_basis,
            "approved_by": member.user.get_username(),
            "approved_at": timezone.now().isoformat(),
            "files": files,
        }
        bundle.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    key = AESGCM.generate_key(bit_length=256)
    nonce = secrets.token_bytes(12)
    name = f"disclosure-{disclosure.pk}-{uuid.uuid4().hex[:8]}.kpd"
    (_directory() / name).write_bytes(
        MAGIC + nonce + AESGCM(key).encrypt(nonce, archive.getvalue(), MAGIC)
    )
    with transaction.atomic():
        # Conditional update: of two leads approving at once, one wins; the other's package
        # is removed and they are told it was decided (one decision, one package).
        decided_at = timezone.now()
        won = Disclosure.objects.filter(pk=disclosure.pk, status=DisclosureStatus.REQUESTED).update(
            status=DisclosureStatus.APPROVED,
            decided_by=member.user,
            decided_at=decided_at,
            package_file=name,
            manifest=manifest,
        )
        if won != 1:
            (_directory() / name).unlink(missing_ok=True)
            raise ApplicationError(
                _("This disclosure was already decided."), code="decided", status=409
            )
        disclosure.refresh_from_db()
        audit_record(
            action="disclosure_approve",
            organisation=member.organisation,
            actor=member.user,
            object_type="disclosure",
            object_id=disclosure.pk,
            detail={
                "requested_by": disclosure.requested_by.get_username(),
                "recipient": recipient.pk,
            },
        )
        for item in disclosure.items.all():
            _custody(
                item,
                "disclose",
                member.user,
                f"to {disclosure.recipient}, {disclosure.agency}: {disclosure.legal_basis}",
            )
    return disclosure, key.hex()


def package_verify(path: Path, key_hex: str) -> dict[str, Any]:
    """Open a package and check each file against the manifest; returns the manifest."""
    blob = path.read_bytes()
    if blob[:4] != MAGIC:
        raise ValueError("not a Karpear disclosure package")
    try:
        archive = AESGCM(bytes.fromhex(key_hex)).decrypt(blob[4:16], blob[16:], MAGIC)
    except InvalidTag as exc:
        raise ValueError("wrong key, or the package was altered") from exc
    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        manifest: dict[str, Any] = json.loads(bundle.read("manifest.json"))
        for name, facts in manifest["files"].items():
            content = bundle.read(name)
            if hashlib.sha256(content).hexdigest() != facts["sha256"]:
                raise ValueError(f"{name} does not match its SHA-256 in the manifest")
    return manifest


def package_path(disclosure: Disclosure) -> Path:
    return _directory() / disclosure.package_file


def disclosure_package_read(
    *, member: StaffMember, disclosure_id: int, request: HttpRequest | None = None
) -> tuple[Disclosure, bytes]:
    """An approved package's encrypted bytes, for the lead who hands it over; audited.

    Encrypted, but still evidence leaving the vault: every download is on the chain
    (guidelines 2.6 b; issue #15 review), like each opening of an item, and only for a
    lead whose screening is clear and in date.
    """
    require_cleared(member)
    disclosure = Disclosure.objects.filter(
        pk=disclosure_id, organisation=member.organisation, status=DisclosureStatus.APPROVED
    ).first()
    if disclosure is None or not package_path(disclosure).exists():
        raise NotFound(_("There is no such disclosure."))
    data = package_path(disclosure).read_bytes()
    audit_record(
        action="disclosure_package",
        organisation=member.organisation,
        actor=member.user,
        object_type="disclosure",
        object_id=disclosure.pk,
        detail={"case": disclosure.case_id, "file": disclosure.package_file},
        request=request,
    )
    return disclosure, data
