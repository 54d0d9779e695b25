"""The audit log's worker job, registered from AuditConfig.ready (core/jobs.py, issue #23)."""

from __future__ import annotations

from django.conf import settings

from karpear.audit.checkpoints import checkpoint_write
from karpear.audit.health import checkpoint_figures
from karpear.core.jobs import register_job


def checkpoint_audit() -> int:
    """Sign the audit chain's head into the checkpoint files outside the database (#15, 9)."""
    return 1 if checkpoint_write() else 0


def register() -> None:
    register_job(
        name="audit_checkpoint",
        run=checkpoint_audit,
        every=lambda: float(settings.KARPEAR_AUDIT_CHECKPOINT_SECONDS),
        depth=lambda: checkpoint_figures().entries_since,
    )
