"""The erasure journal: what was destroyed or erased, kept outside the database (issue #23, 4).

A restore brings the database back to the moment of the backup, so evidence destroyed and
contact details erased since then would come back. Every `evidence_destroy` and
`contacts_erased` audit entry is therefore also appended, as one signed line of ids and
fingerprints (never content, never a contact), to files in KARPEAR_ERASURE_JOURNAL_DIR, which
a restore reads to do the erasures again. The line is written in the transaction that records
the erasure, so none is missed if the process dies after it commits; a line for a transaction
that then rolled back only repeats an erasure that was due anyway. Copy the directory off the
host with the audit checkpoints (docs/operations.md, "Backup and restore").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.utils import timezone

from karpear.audit.models import AuditEntry
from karpear.core import signing
from karpear.core.appendfile import append_line

KIND = "karpear.erasure"
ACTIONS = frozenset({"evidence_destroy", "contacts_erased"})


def journal_dir() -> Path:
    configured = settings.KARPEAR_ERASURE_JOURNAL_DIR
    return Path(configured) if configured else Path(settings.DATA_DIR) / "erasure-journal"


def _fingerprints(entry: AuditEntry) -> dict[str, Any]:
    """Ids with what identifies them beyond the id (ids are reused after a restore)."""
    from karpear.cases.models import Case
    from karpear.evidence.models import EvidenceItem

    if entry.action == "evidence_destroy":
        ids = [int(i) for i in entry.detail.get("items", [])] or (
            [int(entry.object_id)] if entry.object_id else []
        )
        rows = EvidenceItem.objects.filter(pk__in=ids).values_list("pk", "sha256")
        return {"items": sorted([pk, sha] for pk, sha in rows)}
    case = Case.objects.filter(pk=int(entry.object_id)).values_list("pk", "opened_at").first()
    return {"cases": [[case[0], case[1].isoformat()]] if case else []}


def record(entry: AuditEntry) -> None:
    payload = {
        "kind": KIND,
        "v": 1,
        "action": entry.action,
        "at": entry.created_at.isoformat(),
        **_fingerprints(entry),
    }
    line = json.dumps(signing.sign(payload), sort_keys=True, separators=(",", ":")) + "\n"
    directory = journal_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    append_line(directory / f"erasures-{timezone.now():%Y-%m}.jsonl", line)


def _on_audit_entry(
    sender: type[AuditEntry], instance: AuditEntry, created: bool, **_: Any
) -> None:
    if created and instance.action in ACTIONS:
        record(instance)


def connect() -> None:
    post_save.connect(_on_audit_entry, sender=AuditEntry, dispatch_uid="karpear-erasure-journal")


@dataclass
class Erasures:
    items: list[tuple[int, str]] = field(default_factory=list)
    cases: list[tuple[int, datetime]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # "file:line" not signed by this deployment


def erasures_since(moment: datetime, *, directory: Path | None = None) -> Erasures:
    """Every journalled erasure at or after `moment` whose signature checks out."""
    found = Erasures()
    source = directory or journal_dir()
    public_key = signing.public_key_b64()
    for path in sorted(source.glob("erasures-*.jsonl")) if source.is_dir() else []:
        for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
            if not line.strip():
                continue
            try:
                payload = signing.verify(json.loads(line), public_key)
                if payload["kind"] != KIND or datetime.fromisoformat(payload["at"]) < moment:
                    continue
            except (ValueError, KeyError, TypeError, signing.BadSignature):
                found.refused.append(f"{path.name}:{number}")
                continue
            found.items.extend((int(pk), str(sha)) for pk, sha in payload.get("items", []))
            found.cases.extend(
                (int(pk), datetime.fromisoformat(opened)) for pk, opened in payload.get("cases", [])
            )
    return found
