"""Capturing evidence: the object encrypted and fsynced, its row, custody and audit entries
committed after it (issue #24: the hot path of preservation, kept apart from the rest of the
vault's services, which re-exports `evidence_capture`)."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import AuditIn, audit_record_many
from karpear.cases.models import Case
from karpear.cases.preservation import case_lock_for_preservation, case_lock_sql, case_preserved
from karpear.core.crypto import encrypt_text
from karpear.core.errors import ApplicationError, NotFound
from karpear.core.rows import fetch_optional, insert_parts, mark_saved
from karpear.evidence import keys, storage
from karpear.evidence.models import CustodyEntry, EvidenceItem
from karpear.orgs.models import Organisation
from karpear.reports.rules import UNREADABLE

SNIFF = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"GIF8": "image/gif",
    b"%PDF": "application/pdf",
    b"RIFF": "image/webp",
}


def _sniff(data: bytes, declared: str) -> str:
    for magic, kind in SNIFF.items():
        if data.startswith(magic):
            return kind
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return declared[:100] if declared and "/" in declared else "application/octet-stream"


def _custody_rows(
    item: EvidenceItem,
    action: str,
    actor: Any,
    reason: str,
    request: HttpRequest | None = None,
    **detail: Any,
) -> tuple[CustodyEntry, AuditIn]:
    """An item's custody entry (unsaved) and the audit entry that goes with it."""
    user = actor if getattr(actor, "pk", None) else None
    label = user.get_username() if user else str(actor or "system")
    entry = CustodyEntry(
        item=item,
        action=action,
        actor=user,
        actor_label=label,
        reason=reason[:500],
        at=timezone.now(),
    )
    audit = AuditIn(
        action=f"evidence_{action}",
        organisation=item.organisation,
        actor=user,
        actor_label="" if user else label,
        object_type="evidence",
        object_id=item.pk,
        detail={"case": item.case_id, "reason": reason, **detail},
        request=request,
    )
    return entry, audit


def _pdq(content: bytes, content_type: str) -> str:
    """An image's PDQ when it is good enough to match; "" for anything else (not decoded)."""
    from karpear.hashes.hashing import QUALITY_MIN, BadImage, image_pdq

    if not content_type.startswith("image/"):
        return ""
    try:
        pdq, quality = image_pdq(content)
    except BadImage:
        return ""
    return pdq if quality >= QUALITY_MIN else ""


def retention_deadline(captured_at: datetime, legal_basis: str) -> datetime:
    days = settings.KARPEAR_RETENTION_DAYS.get(
        legal_basis, settings.KARPEAR_RETENTION_DAYS["default"]
    )
    return captured_at + timedelta(days=days)


def evidence_capture(
    *,
    organisation: Organisation,
    case_id: int,
    content: bytes,
    content_type: str,
    metadata: dict[str, Any],
    source: str,
    actor: Any,
    legal_basis: str = "default",
) -> EvidenceItem:
    """Store content encrypted with its hashes; nothing half-stored on any failure.

    1. Check what needs no database: not empty, within the limit; sniff the type, decode an
       image's PDQ (before the write and the transaction, not inside them).
    2. A writer thread encrypts the content with a fresh data key and writes it under a new
       name, file then directory fsynced (`LocalBackend.put_new_chunks`; one PUT on S3).
    3. Meanwhile: MD5 here and SHA-256 in another thread (hashlib lets go of the GIL), then
       one transaction: this organisation's case row locked (else NotFound), the item and its
       custody entry (one statement on PostgreSQL, `_insert_capture`), the case's preserved
       mark for its first item, the audit entry (audit head last).
    4. COMMIT waits for the write: a row never commits before its object is durable, and the
       caller is answered only after COMMIT. On any failure the transaction rolls back and a
       written object is deleted again.

    Lock: the case row FOR UPDATE first, then the audit head (the order every writer keeps,
    `audit.services.audit_record`).
    """
    if not content:
        raise ApplicationError(_("The upload is empty."), code="empty")
    if len(content) > settings.KARPEAR_EVIDENCE_MAX_BYTES:
        raise ApplicationError(
            _("The upload is larger than the vault accepts."), code="too_large", status=413
        )
    kind = _sniff(content, content_type)
    pdq = _pdq(content, kind)
    object_key = f"ev-{uuid.uuid4().hex}"
    data_key = keys.new_data_key()
    kek_id, wrapped = keys.wrap(data_key)
    # Before the writer starts: whatever fails from here on must find the object to delete
    # (metadata that cannot be stored raised after the write began and left it, atk5).
    metadata_encrypted = _metadata_encrypted(metadata)
    store = storage.backend()
    # The write and its fsyncs wait on the disk; the hashes and the statements need the CPU and
    # the database. They overlap (issue #24), and COMMIT waits for the write.
    writing = _PUTS.submit(_write_encrypted, store, object_key, data_key, content)
    # MD5 is the slower digest (~1.1 ms a MB here, SHA-256 ~0.5 with the CPU's SHA
    # instructions): this thread computes it, so its own work is the longest wait and the
    # other thread only has to finish first, not start first, on a busy machine.
    try:
        sha = _HASHES.submit(_sha256_hex, content)
        md5 = hashlib.md5(content, usedforsecurity=False).hexdigest()
        now = timezone.now()
        item = EvidenceItem(
            organisation=organisation,
            case_id=case_id,
            source=source,
            content_type=kind,
            size=len(content),
            md5=md5,
            pdq=pdq,
            captured_at=now,
            legal_basis=legal_basis,
            retention_until=retention_deadline(now, legal_basis),
            backend=store.name,
            object_key=object_key,
            wrapped_key=wrapped,
            kek_id=kek_id,
            metadata_encrypted=metadata_encrypted,
        )
        with transaction.atomic():
            item.sha256 = sha.result()
            custody, audit = _custody_rows(
                item, "capture", actor, f"preserved from {source}", sha256=item.sha256
            )
            # The case row first, before the audit entry takes the audit head: one lock
            # order everywhere (audit.services.audit_record), else a capture and a notice on
            # the same case could deadlock.
            preserved = _insert_capture(item, custody)
            if not preserved:  # the case's first item (one statement fewer once it is set)
                case_preserved(case_id=case_id, at=now)
            audit_record_many([replace(audit, object_id=item.pk)])
            writing.result()  # raises the store's error: the transaction rolls back
    except BaseException as exc:
        if not writing.cancel():
            wait([writing])
        failed = None if writing.cancelled() else writing.exception()
        if failed is None:
            store.delete(object_key)  # written, but its row did not commit
        elif failed is not exc:
            raise failed from exc  # a full disk is the cause, whatever it broke next
        raise
    return item


def _metadata_encrypted(metadata: dict[str, Any]) -> str:
    """The metadata as encrypted JSON; "" for none. JSON may spell a lone surrogate
    (\\ud800), which no UTF-8 text holds: refused as unreadable, not a server error."""
    if not metadata:
        return ""
    text = json.dumps(metadata, ensure_ascii=False)
    try:
        return encrypt_text(text)
    except UnicodeEncodeError:
        raise ApplicationError(
            _("Some answers need to be checked."),
            code="invalid",
            fields={"metadata": [str(UNREADABLE)]},
        ) from None


def _insert_capture(item: EvidenceItem, custody: CustodyEntry) -> bool:
    """Lock the item's case (its organisation's, else NotFound), insert the item and its
    custody entry; whether the case already had content preserved.

    PostgreSQL: one statement, prepared once per connection (issue #24: it was a case lookup,
    the lock and two INSERTs, four round trips and ~3 ms of ORM work): the case lock is its
    first CTE and the INSERTs select from it, so they write nothing when the case is not the
    organisation's. Elsewhere (SQLite, for development) the ORM, statement by statement.
    """
    if connection.vendor != "postgresql":
        try:
            preserved = case_lock_for_preservation(
                case_id=item.case_id, organisation_id=item.organisation_id
            )
        except Case.DoesNotExist:
            raise NotFound(_("There is no such case.")) from None
        item.save(force_insert=True)
        custody.item = item
        custody.save(force_insert=True)
        return preserved
    values = {f.attname: getattr(item, f.attname) for f in EvidenceItem._meta.concrete_fields}
    item_cols, item_selects, item_params = insert_parts(EvidenceItem, values, {"case_id": "c.id"})
    values = {f.attname: getattr(custody, f.attname) for f in CustodyEntry._meta.concrete_fields}
    custody_cols, custody_selects, custody_params = insert_parts(
        CustodyEntry, values, {"item_id": "i.id"}
    )
    qn = connection.ops.quote_name
    row = fetch_optional(
        f"WITH c AS ({case_lock_sql()}), "  # noqa: S608 - model names only
        f"i AS (INSERT INTO {qn(EvidenceItem._meta.db_table)} ({item_cols}) "
        f"SELECT {item_selects} FROM c RETURNING id), "
        f"u AS (INSERT INTO {qn(CustodyEntry._meta.db_table)} ({custody_cols}) "
        f"SELECT {custody_selects} FROM i) "
        "SELECT i.id, c.preserved_at FROM i, c",
        [item.case_id, item.organisation_id, *item_params, *custody_params],
    )
    if row is None:
        raise NotFound(_("There is no such case."))
    item.pk, preserved_at = row
    mark_saved([item, custody])
    custody.item = item
    return preserved_at is not None


def _write_encrypted(
    store: storage.Backend, object_key: str, data_key: bytes, content: bytes
) -> None:
    """Encrypt into this writer thread's buffer and write each piece as it is made."""
    buffer = getattr(_writer, "buffer", None)
    if buffer is None:
        buffer = _writer.buffer = bytearray(_CHUNK + 15)
    store.put_new_chunks(object_key, keys.encrypt_chunks(data_key, content, object_key, buffer))


def _sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()  # hashlib lets go of the GIL for large inputs


# One thread each: a capture waits for its own write before it returns, so these never queue
# more than one job per request thread in flight.
_PUTS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="evidence-put")
_HASHES = ThreadPoolExecutor(max_workers=4, thread_name_prefix="evidence-sha256")
# Each writer thread keeps one buffer of this size for the ciphertext (4 MB a process at most):
# a 1 MB item is one piece, a larger one is written as it is encrypted.
_CHUNK = 1024 * 1024
_writer = threading.local()
