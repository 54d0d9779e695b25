"""The audit log is append-only and any edit or deletion is detected."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from karpear.audit.models import AuditEntry
from karpear.audit.services import audit_record, audit_verify
from karpear.orgs.models import Organisation


def _entries(org: Organisation, n: int = 5) -> list[AuditEntry]:
    return [
        audit_record(
            action="case_view",
            organisation=org,
            actor_label="dara",
            object_type="case",
            object_id=i,
        )
        for i in range(n)
    ]


def test_an_untouched_chain_verifies(acme: Organisation) -> None:
    _entries(acme)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "intact: 5 entries" in out.getvalue()


def test_entries_cannot_be_changed_through_the_orm(acme: Organisation) -> None:
    entry = _entries(acme, 1)[0]
    entry.action = "nothing"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def _sql(statement: str, params: list[str | int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_edited_row_is_named(acme: Organisation) -> None:
    entries = _entries(acme)
    _sql("UPDATE audit_auditentry SET actor_label = %s WHERE id = %s", ["mallory", entries[2].id])
    result = audit_verify()
    assert not result.ok and result.first_bad_id == entries[2].id
    with pytest.raises(CommandError, match=f"entry {entries[2].id}"):
        call_command("audit", "verify")


def test_a_deleted_row_is_detected(acme: Organisation) -> None:
    entries = _entries(acme)
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].id])
    result = audit_verify()
    assert not result.ok and result.first_bad_id == entries[2].id


def test_deleting_the_newest_rows_is_detected(acme: Organisation) -> None:
    entries = _entries(acme)
    _sql("DELETE FROM audit_auditentry WHERE id >= %s", [entries[3].id])
    result = audit_verify()
    assert not result.ok and "missing" in result.problem


def test_a_rehashed_forgery_is_still_caught(acme: Organisation) -> None:
    entries = _entries(acme)
    # An attacker edits a row and recomputes its plain hash: without the audit key the MAC of
    # the edited row itself no longer matches (issue #15, item 9).
    from karpear.audit.services import _digest

    forged = AuditEntry.objects.get(id=entries[1].id)
    forged.actor_label = "mallory"
    _sql(
        "UPDATE audit_auditentry SET actor_label = %s, entry_hash = %s WHERE id = %s",
        ["mallory", _digest(forged), forged.id],
    )
    assert audit_verify().first_bad_id == entries[1].id
