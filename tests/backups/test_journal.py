"""The erasure journal (backups/journal.py): every erasure is a signed line a restore reads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from karpear.audit.services import audit_record
from karpear.backups.journal import erasures_since
from karpear.orgs.models import Organisation
from tests.cast import make_case


def test_an_erasure_after_a_line_torn_by_a_crash_is_still_read_back(
    acme: Organisation, settings: Any, tmp_path: Path
) -> None:
    settings.KARPEAR_ERASURE_JOURNAL_DIR = str(tmp_path)
    before = timezone.now() - timedelta(minutes=1)
    first, second = make_case(acme), make_case(acme, url="https://social.example/p/2")
    audit_record(action="contacts_erased", organisation=acme, object_id=first.pk)
    (path,) = tmp_path.glob("erasures-*.jsonl")
    with path.open("a") as handle:
        handle.write('{"payload": {"kind"')  # power lost mid-write
    audit_record(action="contacts_erased", organisation=acme, object_id=second.pk)
    found = erasures_since(before)
    assert [pk for pk, _ in found.cases] == [first.pk, second.pk]
    assert found.refused == [f"{path.name}:2"]
