"""Capturing, opening, holding, disclosing and destroying evidence.

Every function that touches an item writes a chain-of-custody entry and an
audit entry. Access needs all three: a case role, being on the personnel
register with valid screening, and working the case (assigned to it, or the
safeguarding lead).
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import AuditIn, audit_record, audit_record_many
from karpear.cases.models import Case
from karpear.cases.preservation import case_lock_for_preservation, case_lock_sql, case_preserved
from karpear.core.crypto import encrypt_text
from karpear.core.errors import ApplicationError, NotFound
from karpear.core.rows import fetch_optional, insert_parts
from karpear.evidence import keys, storage
from karpear.evidence.models import (
    CustodyEntry,
    DestructionCertificate,
    Disclosure,
    DisclosureStatus,
    EvidenceItem,
    LegalHold,
    PersonnelRecord,
    Screening,
)
from karpear.orgs.models import Organisation
from karpear.staff.models import Role, StaffMember

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


def _custody(
    item: EvidenceItem,
    action: str,
    actor: Any,
    reason: str,
    request: HttpRequest | None = None,
    **detail: Any,
) -> None:
    entry, audit = _custody_rows(item, action, actor, reason, request, **detail)
    entry.save()
    audit_record_many([audit])


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


# ---------------------------------------------------------------- capture


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
    store = storage.backend()
    # The write and its fsyncs wait on the disk; the hashes and the statements need the CPU and
    # the database. They overlap (issue #24), and COMMIT waits for the write.
    writing = _PUTS.submit(_write_encrypted, store, object_key, data_key, content)
    # MD5 is the slower digest (~1.1 ms a MB here, SHA-256 ~0.5 with the CPU's SHA
    # instructions): this thread computes it, so its own work is the longest wait and the
    # other thread only has to finish first, not start first, on a busy machine.
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
        metadata_encrypted=encrypt_text(json.dumps(metadata, ensure_ascii=False))
        if metadata
        else "",
    )
    try:
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
    item._state.adding = False
    item._state.db = custody._state.db = DEFAULT_DB_ALIAS
    custody.item = item
    custody._state.adding = False
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


# ---------------------------------------------------------------- access


def record_cleared(record: PersonnelRecord | None, today: date) -> bool:
    """A register entry with a clear screening that has not expired (2.6 b)."""
    return bool(
        record
        and record.screening_result == Screening.CLEAR
        and record.screening_expires_on
        and record.screening_expires_on >= today
    )


def personnel_cleared(member: StaffMember, *, on: datetime | None = None) -> bool:
    """On the register with a clear screening that has not expired (2.6 b)."""
    record = PersonnelRecord.objects.filter(staff=member).first()
    return record_cleared(record, timezone.localdate(on) if on else timezone.localdate())


def require_cleared(member: StaffMember) -> None:
    """Refuse evidence work to anyone not cleared on the personnel register (2.6 b)."""
    if not personnel_cleared(member):
        raise ApplicationError(
            _(
                "Your screening on the personnel register is missing or has "
                "expired, so you cannot open evidence."
            ),
            code="not_screened",
            status=403,
        )


def access_evidence(*, member: StaffMember, item_id: int) -> EvidenceItem:
    """The item if this member may open it; otherwise a refusal that explains why."""
    item = (
        EvidenceItem.objects.select_related("case")
        .filter(pk=item_id, organisation_id=member.organisation_id)
        .first()
    )
    if item is None or item.destroyed_at is not None:
        raise NotFound(_("There is no such evidence item."))
    if not member.can_see_cases:
        raise ApplicationError(_("Your role cannot open evidence."), code="forbidden", status=403)
    require_cleared(member)
    if member.role != Role.LEAD and item.case.assignee_id != member.user_id:
        raise ApplicationError(
            _("Only staff working this case can open its evidence."),
            code="not_assigned",
            status=403,
        )
    return item


def evidence_page_seen(
    *, item: EvidenceItem, member: StaffMember, request: HttpRequest | None = None
) -> None:
    """Record that someone looked at an item's page (its facts, custody and holds).

    Every view of evidence is audited, like every view of a case; the bytes themselves
    are also on the chain of custody when fetched (`evidence_open`).
    """
    audit_record(
        action="evidence_page",
        organisation=item.organisation,
        actor=member.user,
        object_type="evidence",
        object_id=item.pk,
        detail={"case": item.case_id},
        request=request,
    )


def evidence_open(
    *,
    item: EvidenceItem,
    member: StaffMember,
    reason: str,
    request: HttpRequest | None = None,
    action: str = "open",
) -> bytes:
    """Decrypt an item for viewing or download: recorded on the chain of custody."""
    if not reason.strip():
        raise ApplicationError(_("Say why you open this item."), code="reason_required")
    content = read_plain(item)
    _custody(item, action, member.user, reason, request)
    return content


def read_plain(item: EvidenceItem) -> bytes:
    if not item.wrapped_key:
        raise NotFound(_("This item was destroyed."))
    data_key = keys.unwrap(item.kek_id, item.wrapped_key)
    blob = storage.backend(item.backend).get(item.object_key)
    content = keys.decrypt_content(data_key, blob, item.object_key)
    if hashlib.sha256(content).hexdigest() != item.sha256:
        raise keys.KeyError_("content does not match its recorded hash")
    return content


# ---------------------------------------------------------------- holds and retention


@transaction.atomic
def hold_place(
    *, item: EvidenceItem, member: StaffMember, requester: str, reason: str
) -> LegalHold:
    """A legal hold keeps an item past its retention date until released."""
    if member.role != Role.LEAD:
        raise ApplicationError(
            _("Only the safeguarding lead places legal holds."), code="forbidden", status=403
        )
    if not requester.strip() or not reason.strip():
        raise ApplicationError(_("Name who asked for the hold and why."))
    # Lock the item row: a purge erasing its key holds the same lock, so either the hold
    # commits first (and the purge, re-checking under the lock, skips the item) or the
    # erasure does (and the hold is refused here instead of guarding nothing).
    locked = EvidenceItem.objects.select_for_update().filter(pk=item.pk).first()
    if locked is None or locked.destroyed_at is not None or not locked.wrapped_key:
        raise ApplicationError(
            _("This item was already destroyed; a legal hold cannot bring it back."),
            code="destroyed",
            status=409,
        )
    hold = LegalHold.objects.create(
        item=item,
        requester=requester[:200],
        reason=reason[:500],
        placed_by=member.user,
        placed_at=timezone.now(),
    )
    _custody(item, "hold", member.user, f"{requester}: {reason}")
    return hold


@transaction.atomic
def hold_release(*, hold: LegalHold, member: StaffMember, reason: str) -> None:
    if member.role != Role.LEAD:
        raise ApplicationError(
            _("Only the safeguarding lead releases legal holds."), code="forbidden", status=403
        )
    hold.released_at = timezone.now()
    hold.save(update_fields=["released_at"])
    _custody(hold.item, "hold_release", member.user, reason)


def _expired(moment: datetime) -> Any:
    """Items past retention with no active legal hold, not yet destroyed."""
    active_hold = LegalHold.objects.filter(item=OuterRef("pk"), released_at__isnull=True)
    return EvidenceItem.objects.filter(
        retention_until__lte=moment, destroyed_at__isnull=True
    ).exclude(Exists(active_hold))


def expired_items(*, now: datetime | None = None) -> list[EvidenceItem]:
    """Items past retention with no active legal hold, not yet destroyed."""
    return list(_expired(now or timezone.now()).order_by("retention_until", "id"))


def _erase_keys(batch: list[EvidenceItem], moment: datetime) -> list[EvidenceItem]:
    """Erase the data keys of those items of `batch` that are still due; return them.

    A legal hold placed after the batch was selected always wins (issue #15, item 17): in
    one transaction the rows are locked (`hold_place` takes the same row lock) and the
    holds re-read under the lock, so a hold committed before this point is seen and one
    placed after it finds the item's key already gone and is refused.
    """
    ids = [item.pk for item in batch]
    with transaction.atomic():
        list(EvidenceItem.objects.select_for_update().filter(pk__in=ids).values_list("pk"))
        due = set(_expired(moment).filter(pk__in=ids).values_list("pk", flat=True))
        EvidenceItem.objects.filter(pk__in=due).update(wrapped_key="", kek_id="")
    return [item for item in batch if item.pk in due]


@dataclass(frozen=True)
class PurgeResult:
    run_id: str
    destroyed: list[int]


def purge_expired(
    *, now: datetime | None = None, dry_run: bool = False, batch_size: int = 500
) -> PurgeResult:
    """Destroy expired items: data keys first (crypto-erasure), then bytes, then certificates.

    Works in batches, each in three durable steps:
    1. one transaction locks the batch's rows, re-checks legal holds under the lock
       and empties the wrapped keys of the items still due, and commits: from here
       the bytes are noise, so no item is ever "destroyed" while readable;
    2. the objects are deleted from their backend;
    3. one transaction writes the certificates, the destroyed marks, a custody
       entry per item and one audit entry for the batch.
    Killed anywhere, the next run finishes it: `purge_resume` completes items
    whose key is gone but whose certificate is missing. Idempotent.
    """
    run_id = uuid.uuid4().hex
    moment = now or timezone.now()
    due = expired_items(now=moment)
    if dry_run:
        return PurgeResult(run_id, [item.pk for item in due])
    done: list[int] = []
    for start in range(0, len(due), batch_size):
        erased_at = timezone.now()
        batch = _erase_keys(due[start : start + batch_size], moment)
        if not batch:
            continue
        _finish_destruction(batch, run_id=run_id, erased_at=erased_at, reason="retention ended")
        done.extend(i.pk for i in batch)
    return PurgeResult(run_id, done)


def _finish_destruction(
    items: list[EvidenceItem], *, run_id: str, erased_at: datetime, reason: str
) -> None:
    """Steps 2 and 3 of a destruction, for items whose keys are already erased."""
    for item in items:
        storage.backend(item.backend).delete(item.object_key)
    deleted_at = timezone.now()
    with transaction.atomic():
        existing = set(
            DestructionCertificate.objects.filter(item__in=items).values_list("item_id", flat=True)
        )
        DestructionCertificate.objects.bulk_create(
            DestructionCertificate(
                organisation_id=item.organisation_id,
                item=item,
                sha256=item.sha256,
                md5=item.md5,
                size=item.size,
                captured_at=item.captured_at,
                retention_until=item.retention_until,
                key_erased_at=erased_at,
                bytes_deleted_at=deleted_at,
                run_id=run_id,
                policy={
                    "legal_basis": item.legal_basis,
                    "days": settings.KARPEAR_RETENTION_DAYS.get(
                        item.legal_basis, settings.KARPEAR_RETENTION_DAYS["default"]
                    ),
                    "setting": "KARPEAR_RETENTION_DAYS",
                },
            )
            for item in items
            if item.pk not in existing
        )
        EvidenceItem.objects.filter(pk__in=[i.pk for i in items]).update(destroyed_at=deleted_at)
        CustodyEntry.objects.bulk_create(
            CustodyEntry(
                item=item,
                action="destroy",
                actor=None,
                actor_label="purge task",
                reason=f"{reason}; run {run_id}",
                at=deleted_at,
            )
            for item in items
        )
        by_org: dict[int, list[int]] = {}
        for item in items:
            by_org.setdefault(item.organisation_id, []).append(item.pk)
        for org_id, ids in by_org.items():
            audit_record(
                action="evidence_destroy",
                organisation=Organisation.objects.get(pk=org_id),
                actor_label="purge task",
                object_type="evidence",
                object_id=ids[0] if len(ids) == 1 else "",
                detail={"items": ids, "run": run_id, "reason": reason},
            )


def purge_resume() -> int:
    """Finish items whose key was erased by a run that died before their certificate."""
    stuck = list(EvidenceItem.objects.filter(wrapped_key="", destroyed_at__isnull=True))
    if stuck:
        _finish_destruction(
            stuck,
            run_id="resumed",
            erased_at=timezone.now(),
            reason="finished an interrupted destruction",
        )
    return len(stuck)


def rotate_kek() -> int:
    """Re-wrap every live data key under the newest KEK; content is not re-encrypted."""
    newest = keys.keks()[0][0]
    count = 0
    for item in EvidenceItem.objects.exclude(wrapped_key="").exclude(kek_id=newest):
        data_key = keys.unwrap(item.kek_id, item.wrapped_key)
        kek_id, wrapped = keys.wrap(data_key)
        EvidenceItem.objects.filter(pk=item.pk, wrapped_key=item.wrapped_key).update(
            wrapped_key=wrapped, kek_id=kek_id
        )
        count += 1
    return count


def integrity_check() -> list[tuple[int, str]]:
    """Re-hash every live item; returns (item, problem) for each mismatch or loss."""
    problems = []
    for item in EvidenceItem.objects.filter(destroyed_at__isnull=True).exclude(wrapped_key=""):
        try:
            read_plain(item)
        except (keys.KeyError_, storage.StorageError) as exc:
            problems.append((item.pk, str(exc)))
    return problems


CERTIFICATE_COLUMNS = [
    "item",
    "sha256",
    "md5",
    "size",
    "captured_at",
    "retention_until",
    "key_erased_at",
    "bytes_deleted_at",
    "run_id",
    "policy",
]


def certificates_csv(stream: Any, organisation_id: int | None = None) -> None:
    """Write destruction certificates as CSV (checklist item 30) to any text stream."""
    import csv

    certificates = DestructionCertificate.objects.order_by("id")
    if organisation_id is not None:
        certificates = certificates.filter(organisation_id=organisation_id)
    writer = csv.writer(stream)
    writer.writerow(CERTIFICATE_COLUMNS)
    for c in certificates.iterator():
        writer.writerow(
            [
                c.item_id,
                c.sha256,
                c.md5,
                c.size,
                c.captured_at.isoformat(),
                c.retention_until.isoformat(),
                c.key_erased_at.isoformat(),
                c.bytes_deleted_at.isoformat(),
                c.run_id,
                json.dumps(c.policy),
            ]
        )


def evidence_counts(organisation_id: int, *, now: datetime | None = None) -> dict[str, int]:
    """Items held and destroyed, certificates, and items past their date (items 29 and 30)."""
    now = now or timezone.now()
    items = EvidenceItem.objects.filter(organisation_id=organisation_id)
    return {
        "held": items.filter(destroyed_at=None).count(),
        "destroyed": items.exclude(destroyed_at=None).count(),
        "certificates": DestructionCertificate.objects.filter(
            organisation_id=organisation_id
        ).count(),
        "past_retention": items.filter(destroyed_at=None, retention_until__lt=now)
        .exclude(pk__in=LegalHold.objects.filter(released_at=None).values("item_id"))
        .count(),
        "retention_days": settings.KARPEAR_RETENTION_DAYS["default"],
    }


def evidence_period_counts(
    organisation_id: int, since: datetime, until: datetime
) -> dict[str, int]:
    """Evidence preserved, disclosed and destroyed in [since, until) (transparency report)."""
    items = EvidenceItem.objects.filter(organisation_id=organisation_id)
    return {
        "preserved": items.filter(captured_at__gte=since, captured_at__lt=until).count(),
        "disclosed": Disclosure.objects.filter(
            organisation_id=organisation_id,
            status=DisclosureStatus.APPROVED,
            decided_at__gte=since,
            decided_at__lt=until,
        ).count(),
        "destroyed": items.filter(destroyed_at__gte=since, destroyed_at__lt=until).count(),
    }


def evidence_fingerprints(case_id: int) -> list[tuple[str, str, str]]:
    """(MD5, SHA-256, PDQ or "") of a case's evidence items, fixed at capture: never content."""
    return list(EvidenceItem.objects.filter(case_id=case_id).values_list("md5", "sha256", "pdq"))
