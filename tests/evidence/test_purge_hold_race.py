"""A legal hold placed while a purge runs always wins; durable vault writes (issue #15, item 17).

Guidelines 2.6 a and c: evidence under a legal hold is kept past its retention date. The purge
selects due items first and erases their keys later, so a hold can land in between: these tests
put one there, through the real `hold_place`, from this connection and from a second one.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from karpear.core.errors import ApplicationError
from karpear.evidence import services, storage
from karpear.evidence.models import DestructionCertificate, EvidenceItem, LegalHold
from karpear.evidence.services import hold_place, purge_expired, read_plain
from tests.cast import Person

postgres_only = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="row locks between two connections: PostgreSQL only (SQLite serialises writers)",
)


def _after_retention(item: EvidenceItem) -> datetime:
    return item.retention_until + timedelta(seconds=1)


def _select_then(monkeypatch: pytest.MonkeyPatch, between: Callable[[], object]) -> None:
    """Run `between` right after the purge has selected its items, before any key is erased."""
    real = services.expired_items

    def selected(*, now: datetime | None = None) -> list[EvidenceItem]:
        due = real(now=now)
        between()
        return due

    monkeypatch.setattr(services, "expired_items", selected)


def _assert_kept(item: EvidenceItem) -> None:
    item.refresh_from_db()
    assert item.wrapped_key and item.destroyed_at is None
    assert read_plain(item)
    assert not DestructionCertificate.objects.filter(item=item).exists()
    assert (Path(settings.DATA_DIR) / "vault" / item.object_key).exists()


def _place(item: EvidenceItem, lead: Person) -> LegalHold:
    return hold_place(item=item, member=lead.member, requester="ACU officer Sok", reason="trial")


def test_a_hold_placed_between_selection_and_erasure_wins(
    item: EvidenceItem, lead: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    _select_then(monkeypatch, lambda: _place(item, lead))
    assert purge_expired(now=_after_retention(item)).destroyed == []
    _assert_kept(item)


def test_only_the_held_item_of_a_batch_is_spared(
    item: EvidenceItem, lead: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = services.evidence_capture(
        organisation=item.organisation,
        case_id=item.case_id,
        content=b"%PDF-1.4 another item",
        content_type="application/pdf",
        metadata={},
        source="platform",
        actor="test platform",
    )
    _select_then(monkeypatch, lambda: _place(item, lead))
    moment = max(_after_retention(item), _after_retention(other))
    assert purge_expired(now=moment).destroyed == [other.pk]
    _assert_kept(item)
    other.refresh_from_db()
    assert other.destroyed_at is not None and other.wrapped_key == ""


def test_a_hold_after_the_erasure_is_refused_not_recorded(item: EvidenceItem, lead: Person) -> None:
    assert purge_expired(now=_after_retention(item)).destroyed == [item.pk]
    with pytest.raises(ApplicationError) as refused:
        _place(item, lead)
    assert refused.value.code == "destroyed"
    assert not LegalHold.objects.filter(item=item).exists()


def _in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[BaseException]]:
    """Run `work` on its own database connection (a second server process, in effect)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_hold_committed_by_another_connection_after_selection_wins(
    item: EvidenceItem, lead: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    def from_elsewhere() -> None:
        thread, errors = _in_thread(lambda: _place(item, lead))
        thread.join()
        assert not errors

    _select_then(monkeypatch, from_elsewhere)
    assert purge_expired(now=_after_retention(item)).destroyed == []
    _assert_kept(item)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_hold_still_uncommitted_when_the_purge_selects_wins(
    item: EvidenceItem, lead: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hold's transaction is open (row locked, hold written, not committed) while the
    purge selects the item: whichever way the two then interleave, the item is kept."""
    hold_open, selected, go = threading.Event(), threading.Event(), threading.Event()
    real_custody = services._custody

    def custody_then_wait(*args: Any, **kwargs: Any) -> Any:
        entry = real_custody(*args, **kwargs)
        if args[1] == "hold":
            hold_open.set()
            assert go.wait(30)
        return entry

    monkeypatch.setattr(services, "_custody", custody_then_wait)
    holder, hold_errors = _in_thread(lambda: _place(item, lead))
    assert hold_open.wait(30)
    _select_then(monkeypatch, selected.set)
    result: list[list[int]] = []
    purger, purge_errors = _in_thread(
        lambda: result.append(purge_expired(now=_after_retention(item)).destroyed)
    )
    assert selected.wait(30)  # the purge chose the item: the hold was not committed yet
    go.set()
    holder.join(30)
    purger.join(30)
    assert not hold_errors and not purge_errors
    assert result == [[]]
    _assert_kept(item)


def test_a_vault_write_fsyncs_the_directory_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = storage.LocalBackend(tmp_path / "vault")
    synced: list[tuple[bool, bool]] = []  # (a directory?, the object already in place?)
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        mode = os.fstat(fd).st_mode
        synced.append((stat.S_ISDIR(mode), (tmp_path / "vault" / "obj").exists()))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    vault.put("obj", b"sealed bytes")
    assert synced[0] == (False, False)  # the file's own data, before the rename
    assert (True, True) in synced  # its directory entry, after it
    synced.clear()
    vault.delete("obj")
    assert synced == [(True, False)]  # a destroyed object's unlink is made durable too
