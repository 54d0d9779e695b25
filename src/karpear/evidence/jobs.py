"""The vault's worker jobs, registered from EvidenceConfig.ready (core/jobs.py, issue #23)."""

from __future__ import annotations

import logging

from django.utils import timezone

from karpear.audit.services import audit_record
from karpear.core.jobs import register_job
from karpear.evidence.health import items_due_for_destruction
from karpear.evidence.services import integrity_check, purge_expired, purge_resume

log = logging.getLogger("karpear.worker")


def purge_evidence() -> int:
    """Finish interrupted destructions, then destroy what is past retention (2.6 c)."""
    return purge_resume() + len(purge_expired().destroyed)


def check_evidence() -> int:
    """Re-hash every stored item; a mismatch is logged and audited for the lead."""
    problems = integrity_check()
    for item_id, problem in problems:
        log.error("evidence item %s failed its integrity check: %s", item_id, problem)
        audit_record(
            action="evidence_integrity_failure",
            organisation=None,
            actor_label="worker",
            object_type="evidence",
            object_id=item_id,
            detail={"problem": problem},
        )
    return len(problems)


def register() -> None:
    register_job(
        name="purge_expired_evidence",
        run=purge_evidence,
        every=300.0,
        depth=lambda: items_due_for_destruction(now=timezone.now()),
        erasure=True,
    )
    register_job(name="evidence_integrity_check", run=check_evidence, every=24 * 3600.0)
