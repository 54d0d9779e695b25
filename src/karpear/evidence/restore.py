"""What `karpear backup` and `karpear restore` need from the vault (issue #23, item 4).

The backups app copies stored objects as they are (encrypted: a backup never holds a readable
item or a key) and, after a restore, destroys again what was destroyed after the backup.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from karpear.evidence import storage
from karpear.evidence.models import EvidenceItem
from karpear.evidence.services import _finish_destruction


def object_read(*, backend: str, key: str) -> bytes:
    """The stored (encrypted) bytes of an object; StorageError if it is gone."""
    return storage.backend(backend).get(key)


def object_write(*, backend: str, key: str, data: bytes) -> None:
    storage.backend(backend).put(key, data)


def destroy_again(*, items: list[tuple[int, str]], reason: str) -> list[int]:
    """Destroy restored items that a record says were destroyed after the backup.

    `items` are (id, SHA-256) pairs from the erasure journal: an item is destroyed only if
    both match, so an id reused after an earlier restore never takes another item with it.
    Crypto-erasure first (the key emptied, committed), then bytes and certificate, exactly
    as the purge does (evidence.services); items already destroyed are left alone.
    """
    wanted = dict(items)
    with transaction.atomic():
        candidates = [
            item
            for item in EvidenceItem.objects.select_for_update().filter(
                pk__in=wanted, destroyed_at__isnull=True
            )
            if wanted.get(item.pk) == item.sha256
        ]
        EvidenceItem.objects.filter(pk__in=[i.pk for i in candidates]).update(
            wrapped_key="", kek_id=""
        )
    if candidates:
        _finish_destruction(candidates, run_id="restore", erased_at=timezone.now(), reason=reason)
    return [i.pk for i in candidates]
