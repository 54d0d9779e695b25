"""The chain is keyed with a secret outside the database (issue #15, item 9).

Someone with only database access can edit, delete and recompute rows as they please; these
tests play that attacker with raw SQL and check `karpear audit verify` names the first bad entry.
"""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from karpear.audit.chain import GENESIS, plain_hash, seal
from karpear.audit.keys import AuditKey, _derive, current_key
from karpear.audit.models import AuditEntry, AuditHead
from karpear.audit.services import audit_record, audit_verify
from karpear.orgs.models import Organisation


def _entries(org: Organisation, n: int = 5) -> list[AuditEntry]:
    return [
        audit_record(action="case_view", organisation=org, actor_label="dara", object_id=i)
        for i in range(n)
    ]


def _sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def rechain(from_id: int, key: AuditKey | None, *, until: int | None = None) -> None:
    """The attacker's repair: recompute every link and hash from `from_id` on (up to `until`,
    whose link is then pointed at the new end), with a key of their own or plain SHA-256, and
    point AuditHead at the new end."""
    previous = AuditEntry.objects.filter(id__lt=from_id).order_by("-id").first()
    prev = previous.entry_hash if previous else GENESIS
    count = AuditEntry.objects.filter(id__lt=from_id).count()
    rows = AuditEntry.objects.filter(id__gte=from_id, id__lt=until or 2**62).order_by("id")
    for entry in rows:
        entry.prev_hash = prev
        entry.key_id = key.key_id if key else ""
        entry.entry_hash = seal(entry, key) if key else plain_hash(entry)
        _sql(
            "UPDATE audit_auditentry SET prev_hash = %s, key_id = %s, entry_hash = %s "
            "WHERE id = %s",
            [entry.prev_hash, entry.key_id, entry.entry_hash, entry.id],
        )
        prev, count = entry.entry_hash, count + 1
    if until:
        _sql("UPDATE audit_auditentry SET prev_hash = %s WHERE id = %s", [prev, until])
    else:
        AuditHead.objects.filter(id=1).update(last_hash=prev, count=count)


def test_entries_are_sealed_with_the_audit_key_not_a_plain_hash(acme: Organisation) -> None:
    entry = _entries(acme, 1)[0]
    assert entry.key_id == current_key().key_id
    assert entry.entry_hash == seal(entry, current_key())
    assert entry.entry_hash != plain_hash(entry)
    assert audit_verify().ok


def test_the_key_comes_from_settings_not_the_database(acme: Organisation, settings: Any) -> None:
    before = current_key()
    settings.KARPEAR_AUDIT_KEYS = ["a separate audit secret, kept in a file or vault"]
    assert current_key() != before
    settings.KARPEAR_AUDIT_KEYS = []
    settings.SECRET_KEY = "another deployment secret"
    assert current_key() != before


def test_deleting_an_entry_and_rechaining_with_plain_hashes_is_caught(acme: Organisation) -> None:
    entries = _entries(acme)
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].id])
    rechain(entries[2].id, key=None)
    result = audit_verify()
    assert not result.ok and result.first_bad_id == entries[2].id
    assert "plain hash" in result.problem
    with pytest.raises(CommandError, match=f"entry {entries[2].id}"):
        call_command("audit", "verify")


def test_rechaining_with_a_key_of_ones_own_is_caught(acme: Organisation) -> None:
    entries = _entries(acme)
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].id])
    rechain(entries[2].id, key=_derive("a guess at the secret"))
    result = audit_verify()
    assert not result.ok and result.first_bad_id == entries[2].id
    assert "not configured" in result.problem


def test_rechaining_with_a_guessed_key_under_the_real_key_id_is_caught(
    acme: Organisation,
) -> None:
    entries = _entries(acme)
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].id])
    forged = AuditKey(key_id=current_key().key_id, secret=b"0" * 32)
    rechain(entries[2].id, key=forged)
    result = audit_verify()
    assert not result.ok and result.first_bad_id == entries[2].id
    assert "MAC" in result.problem


def test_a_rotated_key_still_verifies_old_entries_until_it_is_dropped(
    acme: Organisation, settings: Any
) -> None:
    settings.KARPEAR_AUDIT_KEYS = ["old audit secret"]
    old = _entries(acme, 2)
    settings.KARPEAR_AUDIT_KEYS = ["new audit secret", "old audit secret"]
    new = _entries(acme, 2)
    assert new[0].key_id != old[0].key_id
    assert audit_verify().ok
    settings.KARPEAR_AUDIT_KEYS = ["new audit secret"]
    result = audit_verify()
    assert not result.ok and result.first_bad_id == old[0].id
    assert "KARPEAR_AUDIT_KEYS" in result.problem


def test_entries_from_before_the_upgrade_keep_their_plain_hash_and_are_reported(
    acme: Organisation,
) -> None:
    legacy = _entries(acme, 3)
    rechain(legacy[0].id, key=None)  # what the table held before the keyed chain
    keyed = _entries(acme, 2)
    result = audit_verify()
    assert result.ok and result.legacy == 3 and result.first_keyed_id == keyed[0].id
    out = StringIO()
    call_command("audit", "verify", "--no-checkpoints", stdout=out)
    assert "The first 3 entries carry plain SHA-256 hashes" in out.getvalue()
    assert f"sealed by the MAC of entry {keyed[0].id}" in out.getvalue()
    # The first keyed entry seals them: re-hashing an edited old entry breaks its MAC.
    _sql("UPDATE audit_auditentry SET actor_label = %s WHERE id = %s", ["mallory", legacy[1].id])
    rechain(legacy[1].id, key=None, until=keyed[0].id)
    result = audit_verify()
    assert not result.ok and result.first_bad_id == keyed[0].id
    assert "MAC" in result.problem


def test_the_audit_keys_can_come_from_a_file(tmp_path: Path) -> None:
    """KARPEAR_AUDIT_KEYS_FILE, as Docker/Kubernetes secrets are given."""
    keys = tmp_path / "audit-keys"
    keys.write_text("new-audit-secret, old-audit-secret\n")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KARPEAR_AUDIT")}
    environment.update({"KARPEAR_DATA_DIR": str(tmp_path), "KARPEAR_AUDIT_KEYS_FILE": str(keys)})
    result = subprocess.run(
        [sys.executable, "-c", "import karpear.settings as s; print(s.KARPEAR_AUDIT_KEYS)"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == "['new-audit-secret', 'old-audit-secret']", result.stderr
