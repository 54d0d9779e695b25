"""Capturing, opening, holding, disclosing and destroying evidence.

Every function that touches an item writes a chain-of-custody entry and an
audit entry. Access needs all three: a case role, being on the personnel
register with valid screening, and working the case (assigned to it, or the
safeguarding lead).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record, audit_record_many
from karpear.core.errors import ApplicationError, NotFound
from karpear.evidence import keys, storage
from karpear.evidence.capture import _custody_rows

# Re-exported: the API, hash checks, the demo and the tests import the capture from here.
from karpear.evidence.capture import evidence_capture as evidence_capture  # noqa: PLC0414
from karpear.evidence.capture import retention_deadline as retention_deadline  # noqa: PLC0414
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
