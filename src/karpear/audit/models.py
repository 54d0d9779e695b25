"""The append-only, tamper-evident audit log (PRODUCT: everything is accountable).

Each entry stores a MAC of its own content and of the entry before it, keyed with
a secret that lives outside the database (audit/keys.py), so editing, deleting or
re-chaining entries breaks the chain and cannot be repaired with database access
alone. `AuditHead` remembers the last MAC and the count, so deleting the newest
entries is caught too, and signed checkpoints exported outside the database
(audit/checkpoints.py) catch a rewrite of the whole table, head included.

Entries written before the keyed chain (issue #15) have an empty `key_id` and a
plain SHA-256 `entry_hash`; the first keyed entry seals the last of them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    session = models.CharField(max_length=16, blank=True)  # short hash of the session key
    created_at = models.DateTimeField(db_index=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)  # HMAC-SHA256 (or SHA-256 when key_id is "")
    # Which audit key sealed the entry (audit/keys.py); "" for entries from before the keyed chain.
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["organisation", "created_at"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit entries are append-only")


class AuditHead(models.Model):
    """The single row that serialises appends and remembers the chain's end."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit head ({self.count})"
