"""Upgrading a deployment whose log predates the keyed chain (issue #15, item 9).

The table is taken back to migration 0002, filled the way the old code wrote entries (plain
SHA-256, formula copied here on purpose), migrated forward, and then written to by today's code.
"""

from __future__ import annotations

import hashlib
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from karpear.audit.services import GENESIS, audit_record, audit_verify

BEFORE = [("audit", "0002_audit_head")]


def _old_digest(row: dict[str, Any]) -> str:
    """audit.services._digest as it was before the keyed chain."""
    payload = json.dumps(
        [
            row["prev_hash"],
            row["created_at"].isoformat(),
            row["organisation_id"],
            row["actor_id"],
            row["actor_label"],
            row["action"],
            row["object_type"],
            row["object_id"],
            row["detail"],
            row["session"],
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _write_old_entries(n: int) -> list[int]:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    entry_model = apps.get_model("audit", "AuditEntry")
    head_model = apps.get_model("audit", "AuditHead")
    head, _ = head_model.objects.get_or_create(id=1)
    ids = []
    for i in range(n):
        row: dict[str, Any] = {
            "organisation_id": None,
            "actor_id": None,
            "actor_label": "dara",
            "action": "case_view",
            "object_type": "case",
            "object_id": str(i),
            "detail": {"n": i},
            "session": "",
            "created_at": timezone.now().replace(microsecond=0),
            "prev_hash": head.last_hash,
        }
        row["entry_hash"] = _old_digest(row)
        ids.append(entry_model.objects.create(**row).id)
        head.last_hash, head.count = row["entry_hash"], head.count + 1
        head.save()
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    return ids


@pytest.mark.django_db(transaction=True)
def test_old_entries_keep_their_hash_and_the_keyed_chain_seals_them() -> None:
    old = _write_old_entries(3)
    assert audit_verify().ok and audit_verify().legacy == 3  # nothing to do at the upgrade
    new = audit_record(action="case_view", organisation=None, actor_label="dara")
    assert new.key_id and new.prev_hash != GENESIS
    result = audit_verify()
    assert result.ok and result.legacy == 3 and result.first_keyed_id == new.id
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "The first 3 entries carry plain SHA-256 hashes" in out.getvalue()
    assert f"sealed by the MAC of entry {new.id}" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET object_id = 'x' WHERE id = %s", [old[1]])
    with pytest.raises(CommandError, match=f"entry {old[1]}"):
        call_command("audit", "verify")
