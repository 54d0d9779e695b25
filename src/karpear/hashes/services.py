"""Hash banks, imports and matching (issue #6): one function per state change.

Guidelines 2.6 (consider automated CSAM detection, used so that it does not undermine children's
privacy; foster relationships with hash-database holders) and checklist item 27. Uploaded bytes
are hashed in memory and dropped; only hashes and match records are kept.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.cases.receipt import case_isolate_self_report_match
from karpear.cases.services import Takedown, case_open_for_content, case_takedowns_by_notice
from karpear.core.errors import ApplicationError, NotFound
from karpear.evidence.services import evidence_capture
from karpear.hashes.hashing import ImageHashes, image_hashes, is_video, video_hashes
from karpear.hashes.index import index_compact, index_for
from karpear.hashes.models import (
    HEX_LENGTH,
    Bank,
    BankHash,
    BankPolicy,
    BankSource,
    HashType,
    Match,
)
from karpear.orgs.models import Organisation

_HEX = re.compile(r"^[0-9a-f]+$")
MAX_CHECK_HASHES = 100
POLICY_RANK = {BankPolicy.ACT: 3, BankPolicy.REVIEW: 2, BankPolicy.RECORD: 1}


def check_hash(kind: str, value: str) -> tuple[str, str]:
    """A (type, lower-case hex) pair, or a clear error naming what is wrong.

    For vPDQ the value is the frames (threatexchange's JSON), returned in canonical form.
    """
    kind = kind.strip().lower()
    value = value.strip().lower()
    if kind == HashType.VPDQ:
        return kind, _vpdq_frames(value)
    if kind not in HashType.values:
        raise ApplicationError(
            _("Unknown hash type %(t)s: use pdq, md5, sha256 or vpdq.") % {"t": kind[:20]}
        )
    if len(value) != HEX_LENGTH[HashType(kind)]:
        raise ApplicationError(
            _("A %(t)s hash has %(n)s hexadecimal characters.")
            % {"t": kind, "n": HEX_LENGTH[HashType(kind)]}
        )
    if not _HEX.match(value):
        raise ApplicationError(_("A hash is written in hexadecimal (0-9, a-f)."))
    return kind, value


MAX_VPDQ_FRAMES = 20_000  # five and a half hours at one frame a second


def _vpdq_frames(text: str) -> str:
    """Frames in threatexchange's vPDQ form, checked and serialised canonically."""
    from threatexchange.extensions.vpdq.vpdq_util import json_to_vpdq, vpdq_to_json

    try:
        frames = json_to_vpdq(text)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ApplicationError(
            _('A vPDQ hash is a JSON list of "pdq,quality,seconds" frames.')
        ) from exc
    if not frames or len(frames) > MAX_VPDQ_FRAMES:
        raise ApplicationError(_("A vPDQ hash has between 1 and 20,000 frames."))
    return vpdq_to_json(frames)


def frames_digest(frames: str) -> str:
    """The stored value of a vPDQ hash: SHA-256 of its canonical frames (for deduplication)."""
    return hashlib.sha256(frames.encode()).hexdigest()


def bank_create(
    *,
    organisation: Organisation,
    name: str,
    source: str,
    agreement: str,
    policy: str = BankPolicy.REVIEW,
    pdq_threshold: int = 31,
    preserve_uploads: bool = False,
    actor_label: str = "cli",
) -> Bank:
    if source not in BankSource.values or policy not in BankPolicy.values:
        raise ApplicationError(_("Unknown source or policy."))
    if not agreement.strip():
        raise ApplicationError(_("Every bank needs its licence or agreement reference."))
    if not 0 <= pdq_threshold <= 64:
        raise ApplicationError(_("The PDQ threshold is between 0 and 64 bits."))
    try:
        with transaction.atomic():
            bank = Bank.objects.create(
                organisation=organisation,
                name=name,
                source=source,
                agreement=agreement.strip(),
                policy=policy,
                pdq_threshold=pdq_threshold,
                preserve_uploads=preserve_uploads,
            )
    except IntegrityError as exc:
        raise ApplicationError(_("A bank with this name exists."), status=409) from exc
    audit_record(
        action="hash_bank_create",
        organisation=organisation,
        actor_label=actor_label,
        object_type="bank",
        object_id=bank.pk,
        detail={"name": name, "source": source, "policy": policy},
    )
    return bank


@dataclass
class ImportResult:
    added: int
    duplicates: int
    bad_lines: list[tuple[int, str]]


# Column names across formats: ours (hash_type, hash, source_id, classification) and the signal
# exports of HMA and ThreatExchange (signal_type, signal_value or signal_hash, signal_id, tags).
_COLUMNS = {
    "kind": ("hash_type", "type", "signal_type"),
    "value": ("hash", "value", "signal_value", "signal_hash", "signal"),
    "source_id": ("source_id", "signal_id", "id"),
    "classification": ("classification", "tags", "category"),
}
# ThreatExchange signal type names; video_md5 is the MD5 of a video file's bytes.
_SIGNAL_TYPES = {"video_md5": "md5", "photo_md5": "md5", "sha-256": "sha256"}
IMPORT_CHUNK = 5000

Row = tuple[str, str, str, str, str]  # type, value, source id, classification, vPDQ frames


def _records(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) from CSV, TSV, or ThreatExchange's `signal_type signal` lines."""
    stream = iter(lines)
    number = 0
    for line in stream:
        number += 1
        if line.strip() and not line.lstrip().startswith("#"):
            break
    else:
        return
    head = line.strip().split(" ", 1)[0]
    if " " in line.strip() and "," not in head and "\t" not in head:  # ThreatExchange lines
        for offset, text in enumerate(itertools.chain([line], stream)):
            if text.strip() and not text.lstrip().startswith("#"):
                kind, _space, signal = text.strip().partition(" ")  # vPDQ JSON has spaces
                yield number + offset, [kind, signal.strip()]
        return
    dialect = "excel-tab" if "\t" in line else "excel"
    reader = csv.reader(itertools.chain([line], stream), dialect=dialect)
    for fields in reader:
        yield number - 1 + reader.line_num, fields  # line_num counts quoted line breaks


def parse_rows(lines: Iterable[str]) -> Iterator[tuple[int, Row | str]]:
    """Each line's number with its (type, hash, source id, classification), or what is wrong.

    A header row names the columns (any order); without one, they are taken in our order.
    """
    order = {"kind": 0, "value": 1, "source_id": 2, "classification": 3}
    for position, (number, fields) in enumerate(_records(lines)):
        names = [f.strip().lower() for f in fields]
        if not fields or not "".join(fields).strip() or names[0].startswith("#"):
            continue
        if position == 0 and any(n in _COLUMNS["kind"] for n in names):
            order = {
                key: next((names.index(n) for n in aliases if n in names), -1)
                for key, aliases in _COLUMNS.items()
            }
            continue

        kind, value, source_id, classification = (
            fields[order[key]].strip() if 0 <= order[key] < len(fields) else ""
            for key in ("kind", "value", "source_id", "classification")
        )
        try:
            kind, value = check_hash(_SIGNAL_TYPES.get(kind.lower(), kind), value)
        except ApplicationError as exc:
            yield number, str(exc.message)
            continue
        frames, value = (value, frames_digest(value)) if kind == HashType.VPDQ else ("", value)
        yield number, (kind, value, source_id[:200], classification[:16], frames)


@transaction.atomic
def hashes_import(
    *,
    bank: Bank,
    text: str | Iterable[str],
    actor_label: str = "cli",
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import in one transaction: all good lines or nothing; bad lines reported by number.

    Streams the lines in chunks (a 10M-line file never sits in memory as objects); duplicates,
    in the file or already in the bank, are skipped by the unique constraint and counted.
    `progress` is called with the number of lines read after each chunk.
    """
    lines = text.splitlines() if isinstance(text, str) else text
    before = bank.hashes.count()
    now = timezone.now()
    good = 0
    bad: list[tuple[int, str]] = []
    chunk: list[BankHash] = []
    last = 0

    def flush() -> None:
        BankHash.objects.bulk_create(chunk, batch_size=IMPORT_CHUNK, ignore_conflicts=True)
        chunk.clear()
        if progress is not None:
            progress(last)

    for last, parsed in parse_rows(lines):
        if isinstance(parsed, str):
            bad.append((last, parsed))
            continue
        kind, value, source_id, classification, frames = parsed
        chunk.append(
            BankHash(
                bank=bank,
                kind=kind,
                value=value,
                frames=frames,
                source_id=source_id,
                classification=classification,
                added_at=now,
            )
        )
        good += 1
        if len(chunk) >= IMPORT_CHUNK:
            flush()
    flush()
    added = bank.hashes.count() - before
    audit_record(
        action="hash_import",
        organisation=bank.organisation,
        actor_label=actor_label,
        object_type="bank",
        object_id=bank.pk,
        detail={"added": added, "bad_lines": len(bad)},
    )
    if added >= settings.KARPEAR_HASH_INDEX_COMPACT_AT:
        organisation_id = bank.organisation_id
        transaction.on_commit(lambda: index_compact(organisation_id))
    return ImportResult(added=added, duplicates=good - added, bad_lines=bad)


def bank_export(bank: Bank, *, actor_label: str = "cli") -> str:
    """Enabled hashes as CSV in the import format: hashes, source IDs, classification only."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["hash_type", "hash", "source_id", "classification"])
    rows = bank.hashes.filter(disabled_at=None).order_by("kind", "value")
    for kind, value, source_id, classification, frames in rows.values_list(
        "kind", "value", "source_id", "classification", "frames"
    ).iterator(chunk_size=5000):
        writer.writerow([kind, frames or value, source_id, classification])
    audit_record(
        action="hash_export",
        organisation=bank.organisation,
        actor_label=actor_label,
        object_type="bank",
        object_id=bank.pk,
        detail={"hashes": rows.count()},
    )
    return out.getvalue()


def hash_disable(*, bank_hash: BankHash, reason: str, actor_label: str = "cli") -> None:
    if not reason.strip():
        raise ApplicationError(_("Say why this hash is disabled."))
    BankHash.objects.filter(pk=bank_hash.pk).update(
        disabled_at=timezone.now(), disabled_reason=reason.strip()[:300]
    )
    audit_record(
        action="hash_disable",
        organisation=bank_hash.bank.organisation,
        actor_label=actor_label,
        object_type="bank_hash",
        object_id=bank_hash.pk,
        detail={"reason": reason.strip()[:300]},
    )


# --- matching ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    bank_hash: BankHash
    distance: int


def find(organisation: Organisation, hashes: list[tuple[str, str]]) -> list[Found]:
    """Every enabled hash of an active bank within its bank's threshold (exact for MD5/SHA-256)."""
    found: dict[int, Found] = {}
    live = BankHash.objects.filter(
        bank__organisation=organisation, bank__active=True, disabled_at=None
    ).select_related("bank")
    exact = {(k, v) for k, v in hashes if k in (HashType.MD5, HashType.SHA256)}
    if exact:
        for row in live.filter(value__in={v for _, v in exact}):
            if (row.kind, row.value) in exact:
                found[row.pk] = Found(row, 0)
    for frames in (v for k, v in hashes if k == HashType.VPDQ):
        for row, distance in _video_matches(live, frames):
            found[row.pk] = Found(row, distance)
    pdqs = [v for k, v in hashes if k == HashType.PDQ]
    if pdqs:
        index = index_for(organisation.pk)
        widest = max(
            Bank.objects.filter(organisation=organisation, active=True).values_list(
                "pdq_threshold", flat=True
            ),
            default=0,
        )
        candidates: dict[int, int] = {}
        for value in pdqs:
            for pk, distance in index.search(value, widest):
                candidates[pk] = min(distance, candidates.get(pk, 256))
        for row in live.filter(pk__in=list(candidates)):
            if candidates[row.pk] <= row.bank.pdq_threshold:
                found[row.pk] = Found(row, candidates[row.pk])
    return sorted(found.values(), key=lambda f: (f.distance, f.bank_hash.pk))


def _video_matches(live: Any, frames: str) -> Iterator[tuple[BankHash, int]]:
    """Bank videos that match by the library's vPDQ rule (threatexchange's compare_hash: at
    least 80% of the query's good frames within 31 bits of the bank video's frames).

    Each bank video is first screened with numpy (does any frame come within 31 bits?), so the
    library's pure-Python rule runs only on real candidates. Returns the closest frame distance.
    """
    from threatexchange.extensions.vpdq.vpdq import VPDQSignal
    from threatexchange.extensions.vpdq.vpdq_util import json_to_vpdq

    from karpear.hashes.hashing import VIDEO_QUALITY_MIN
    from karpear.hashes.index import to_bytes

    def good(text: str) -> np.ndarray:
        kept = [f.pdq_hex for f in json_to_vpdq(text) if f.quality >= VIDEO_QUALITY_MIN]
        return to_bytes(sorted(set(kept))).view(np.uint64)

    query = good(frames)
    if not len(query):
        return
    for row in live.filter(kind=HashType.VPDQ).iterator(chunk_size=500):
        theirs = good(row.frames)
        if not len(theirs):
            continue
        distances = np.bitwise_count(query[:, None, :] ^ theirs[None, :, :]).sum(axis=2)
        closest = int(distances.min())
        if closest <= 31 and VPDQSignal.compare_hash(frames, row.frames).match:
            yield row, closest


@transaction.atomic
def check(
    *,
    organisation: Organisation,
    content_id: str,
    hashes: list[tuple[str, str]],
    caller: str = "api",
    upload: tuple[bytes, str] | None = None,
) -> dict[str, Any]:
    """Match a piece of content's hashes, record every match, and act by the strictest policy.

    `upload` (bytes, declared type) is kept in the evidence vault only when a matching bank asks
    for it (`preserve_uploads`); the platform is then not asked to upload it again.
    """
    content_id = content_id.strip()
    if not content_id or len(content_id) > 200:
        raise ApplicationError(_("Give the platform's content ID (at most 200 characters)."))
    if not hashes or len(hashes) > MAX_CHECK_HASHES:
        raise ApplicationError(_("Send between 1 and 100 hashes."))
    hashes = [check_hash(k, v) for k, v in hashes]
    found = find(organisation, hashes)
    now = timezone.now()
    flooding = _flood_control(found, content_id, now)
    # A quarantined or flooding hash only queues for review, whatever its bank's policy.
    policies = [
        BankPolicy.REVIEW
        if f.bank_hash.quarantined_at or f.bank_hash.pk in flooding
        else BankPolicy(f.bank_hash.bank.policy)
        for f in found
    ]
    action = max(policies, key=POLICY_RANK.__getitem__, default=None)
    case_id = None
    # A child's own image (take-it-down page, issue #22 item 6): the case says so, never who.
    self_report = any(f.bank_hash.bank.source == BankSource.SELF_REPORT for f in found)
    keep = upload is not None and any(f.bank_hash.bank.preserve_uploads for f in found)
    opened = {"hash_match": content_id, **({"self_report": True} if self_report else {})}
    if action == BankPolicy.ACT:
        # The one takedown path, as for a notice's items (issue #24): the case opened or joined,
        # isolated at the top of the queue, its decision, timeline, webhooks and audit entries.
        strictest = found[policies.index(BankPolicy.ACT)]
        (taken,) = case_takedowns_by_notice(
            organisation=organisation,
            takedowns=[
                Takedown(
                    keys=[f"content:{content_id}"],
                    legal_basis=f"Hash match: bank {strictest.bank_hash.bank.name} "
                    f"({strictest.bank_hash.bank.get_source_display()})",
                    notice_label="hash match",
                    content={"platform_content_ids": [content_id], "urls": [], "user_ids": []},
                    opened=opened,
                    source="hash_match",
                    preserve=not keep,  # kept in the vault below: not asked of the platform
                )
            ],
            at=now.replace(microsecond=0),
        )
        case_id = taken.case.pk
    elif action == BankPolicy.REVIEW:
        case = case_open_for_content(
            organisation=organisation,
            keys=[f"content:{content_id}"],
            category="sexual_image",
            opened_at=now,
            source="hash_match",
            priority=0,
            detail=opened,
        )
        case_id = case.pk
        if self_report:
            case_isolate_self_report_match(case=case, content_id=content_id)
    Match.objects.bulk_create(
        [
            Match(
                organisation=organisation,
                bank_hash=f.bank_hash,
                content_id=content_id,
                distance=f.distance,
                action=action or BankPolicy.RECORD,
                case_id=case_id,
                matched_at=now,
            )
            for f in found
        ]
    )
    if keep and case_id is not None and upload is not None:
        evidence_capture(
            organisation=organisation,
            case_id=case_id,
            content=upload[0],
            content_type=upload[1],
            metadata={
                "content_id": content_id,
                "banks": sorted({f.bank_hash.bank.name for f in found}),
            },
            source="hash_check",
            actor=f"hash check ({caller})",
        )
    return {
        "content_id": content_id,
        "matched": bool(found),
        "action": action or "none",
        "case_id": case_id,
        "matches": [
            {
                "bank": f.bank_hash.bank.name,
                "source": f.bank_hash.bank.source,
                "source_id": f.bank_hash.source_id,
                "classification": f.bank_hash.classification,
                "hash_type": f.bank_hash.kind,
                "distance": f.distance,
            }
            for f in found
        ],
    }


def _flood_control(found: list[Found], content_id: str, now: Any) -> set[int]:
    """Quarantine hashes that matched more distinct items than allowed in the window."""
    from datetime import timedelta

    from django.db.models import Count

    since = now - timedelta(minutes=settings.KARPEAR_HASH_FLOOD_MINUTES)
    distinct_items = dict(  # one query for all the hashes found, not one each
        Match.objects.filter(bank_hash__in=[f.bank_hash for f in found], matched_at__gte=since)
        .exclude(content_id=content_id)
        .values_list("bank_hash")
        .annotate(n=Count("content_id", distinct=True))
        .values_list("bank_hash", "n")
    )
    flooding: set[int] = set()
    for f in found:
        recent = distinct_items.get(f.bank_hash.pk, 0)
        if recent + 1 > settings.KARPEAR_HASH_FLOOD_MAX:
            flooding.add(f.bank_hash.pk)
            if f.bank_hash.quarantined_at is None:
                BankHash.objects.filter(pk=f.bank_hash.pk).update(quarantined_at=now)
                audit_record(
                    action="hash_quarantined",
                    organisation=f.bank_hash.bank.organisation,
                    actor_label="flood control",
                    object_type="bank_hash",
                    object_id=f.bank_hash.pk,
                    detail={"distinct_items": recent + 1},
                )
    return flooding


@transaction.atomic
def match_decide(*, match_id: int, organisation: Organisation, confirm: bool, actor: Any) -> Match:
    """The lead confirms a match or rejects it as a false positive (counted on the hash)."""
    from django.db.models import F

    from karpear.hashes.models import MatchStatus

    match = Match.objects.select_for_update().filter(organisation=organisation, pk=match_id).first()
    if match is None:
        raise NotFound(_("There is no such match."))
    if match.status != MatchStatus.PENDING:
        raise ApplicationError(_("This match was already decided."), status=409)
    match.status = MatchStatus.CONFIRMED if confirm else MatchStatus.REJECTED
    match.save(update_fields=["status"])
    if not confirm:
        BankHash.objects.filter(pk=match.bank_hash_id).update(
            false_positives=F("false_positives") + 1
        )
    audit_record(
        action="hash_match_decided",
        organisation=organisation,
        actor=actor,
        object_type="match",
        object_id=match.pk,
        detail={"status": match.status},
    )
    return match


def quarantine_release(*, bank_hash_id: int, organisation: Organisation, actor: Any) -> None:
    updated = BankHash.objects.filter(
        pk=bank_hash_id, bank__organisation=organisation, quarantined_at__isnull=False
    ).update(quarantined_at=None)
    if not updated:
        raise NotFound(_("There is no such quarantined hash."))
    audit_record(
        action="hash_released",
        organisation=organisation,
        actor=actor,
        object_type="bank_hash",
        object_id=bank_hash_id,
    )


def check_upload(
    *, organisation: Organisation, content_id: str, data: bytes, content_type: str = ""
) -> dict[str, Any]:
    """Hash an uploaded image or video in memory and check it; low-quality PDQ is not matched."""
    extra: dict[str, Any]
    if is_video(data):
        video = video_hashes(data)
        md5, sha256, matchable = video.md5, video.sha256, video.matchable
        similar = (HashType.VPDQ.value, video.frames)
        extra = {"vpdq_matched": matchable}
    else:
        image: ImageHashes = image_hashes(data)
        md5, sha256, matchable = image.md5, image.sha256, image.matchable
        similar = (HashType.PDQ.value, image.pdq)
        extra = {"pdq_quality": image.quality, "pdq_matched": matchable}
    hashes = [(HashType.MD5.value, md5), (HashType.SHA256.value, sha256)]
    if matchable:
        hashes.append(similar)
    result = check(
        organisation=organisation,
        content_id=content_id,
        hashes=hashes,
        upload=(data, content_type),
    )
    return {**result, **extra}


def get_bank(organisation: Organisation, name: str) -> Bank:
    bank = Bank.objects.filter(organisation=organisation, name=name).first()
    if bank is None:
        raise NotFound(_("There is no bank named %(n)s.") % {"n": name[:64]})
    return bank
