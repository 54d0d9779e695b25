"""Sign-off, and the signed package for the MPTC (guidelines 3).

The package follows docs/compliance-package.schema.json.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.compliance.common import (
    OUTCOMES,
    audit_assessment,
    framework_of,
    lock_draft,
    outcome,
    require_writer,
)
from karpear.compliance.frameworks import Item
from karpear.compliance.models import Answer, AnswerFile, Assessment, AssessmentStatus
from karpear.compliance.overview import overview
from karpear.core import signing
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.staff.models import StaffMember

# --- sign-off and the package for the MPTC -----------------------------------------------------


def _answer_record(item: Item, answer: Answer, files: list[AnswerFile]) -> dict[str, Any]:
    return {
        "ref": item.ref,
        "minimum": item.minimum,
        "outcome": outcome(item, answer),
        "answer_type": item.answer,
        "not_applicable": answer.not_applicable,
        "value": answer.value,
        "reason": answer.reason,
        "note": answer.note,
        "action": answer.action,
        "action_owner": answer.action_owner,
        "action_due": answer.action_due.isoformat() if answer.action_due else None,
        "action_done_on": answer.action_done_on.isoformat() if answer.action_done_on else None,
        "link": answer.link,
        "source": answer.source,
        "version": answer.version,
        "answered_by": answer.answered_by.get_username() if answer.answered_by else None,
        "answered_at": answer.answered_at.isoformat(),
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in files],
    }


@transaction.atomic
def assessment_sign_off(
    *,
    member: StaffMember,
    assessment_id: int,
    name: str,
    title: str = "",
    request: HttpRequest | None = None,
) -> Assessment:
    """Freeze the answers and the live figures under a named person's sign-off."""
    require_writer(member)
    assessment = lock_draft(member.organisation, assessment_id)
    name = " ".join(name.split())
    if not name or len(name) > 200 or len(title) > 200:
        raise ApplicationError(
            _("Type your full name to sign off."),
            fields={"name": [str(_("Type your full name."))]},
        )
    view = overview(assessment)
    if not view.complete:
        missing = [r.item.ref for r in view.gaps if r.outcome == "open"]
        raise ApplicationError(
            _("Answer every item before signing off. Still open: %(refs)s")
            % {"refs": ", ".join(missing)},
            code="incomplete",
        )
    lacking = [
        r.item.ref
        for r in view.gaps
        if r.outcome in ("partially", "no")
        and not (r.answer and r.answer.action and r.answer.action_owner and r.answer.action_due)
    ]
    if lacking:
        raise ApplicationError(
            _("Give a planned action, owner and date for: %(refs)s") % {"refs": ", ".join(lacking)},
            code="incomplete",
        )
    now = timezone.now()
    records = []
    live: dict[str, Any] = {}
    for area in view.areas:
        for row in area.rows:
            assert row.answer is not None
            records.append(_answer_record(row.item, row.answer, row.files))
            if row.live is not None:
                live[row.item.ref] = row.live.as_dict()
    frozen = {"answers": records, "live": live}
    assessment.frozen = frozen
    assessment.frozen_sha256 = hashlib.sha256(signing.canonical_json(frozen)).hexdigest()
    assessment.status = AssessmentStatus.SIGNED
    assessment.signed_by = member.user
    assessment.signed_name = name
    assessment.signed_title = title.strip()
    assessment.signed_at = now
    assessment.save()
    audit_assessment(
        member,
        "compliance_sign_off",
        assessment,
        {"name": name, "sha256": assessment.frozen_sha256},
        request,
    )
    return assessment


def signing_context(organisation: Organisation) -> str:
    """Each organisation signs its packages with its own key, derived from the deployment's."""
    return f"org:{organisation.slug}"


def package(assessment: Assessment) -> dict[str, Any]:
    """The machine-readable package for the MPTC (docs/compliance-package.schema.json)."""
    if not assessment.is_frozen or assessment.signed_at is None:
        raise ApplicationError(
            _("Only a signed-off assessment can be sent to the Ministry."), code="not_signed"
        )
    framework = framework_of(assessment)
    view = overview(assessment)
    org = assessment.organisation
    frozen = assessment.frozen or {}
    return {
        "format": "karpear-compliance-package/1",
        "organisation": {"name": org.name, "name_km": org.name_km, "slug": org.slug},
        "framework": {
            "id": framework.id,
            "version": assessment.framework_version,
            "sha256": assessment.framework_digest,
            "title": framework.title.as_dict(),
        },
        "assessment": {
            "id": assessment.pk,
            "product": assessment.product.name if assessment.product else None,
            "profile": assessment.profile,
            "started_at": assessment.created_at.isoformat(),
            "signed_at": assessment.signed_at.isoformat(),
            "signed_by": {
                "name": assessment.signed_name,
                "title": assessment.signed_title,
                "username": assessment.signed_by.get_username() if assessment.signed_by else "",
            },
            "reassess_by": view.reassess_by.isoformat() if view.reassess_by else None,
            "previous": assessment.previous_id,
            "answers_sha256": assessment.frozen_sha256,
        },
        "summary": {
            **view.counts,
            "minimum_total": view.minimum_total,
            "minimum_met": view.minimum_met,
        },
        "answers": frozen.get("answers", []),
        "live_figures": frozen.get("live", {}),
    }


def package_signed(
    assessment: Assessment, *, request: HttpRequest | None = None, actor: Any = None
) -> dict[str, Any]:
    context = signing_context(assessment.organisation)
    envelope = signing.sign(package(assessment), context=context)
    envelope["public_key"] = signing.public_key_b64(context)
    audit_record(
        action="compliance_package",
        organisation=assessment.organisation,
        actor=actor,
        actor_label="" if actor else "cli",
        object_type="assessment",
        object_id=assessment.pk,
        detail={"sha256": assessment.frozen_sha256},
        request=request,
    )
    return envelope


def latest_signed_summary(organisation: Organisation, *, before: datetime) -> dict[str, Any] | None:
    """The last COP checklist signed before a moment, summarised (transparency, section 3)."""
    latest = (
        Assessment.objects.filter(
            organisation=organisation,
            framework_id="cop-checklist",
            status=AssessmentStatus.SIGNED,
            signed_at__lt=before,
        )
        .order_by("-signed_at")
        .first()
    )
    if latest is None or latest.signed_at is None:
        return None
    counts = latest.frozen_outcomes()
    minimum = [r for r in (latest.frozen or {}).get("answers", []) if r.get("minimum")]
    return {
        "framework": latest.framework_id,
        "framework_version": latest.framework_version,
        "signed_at": latest.signed_at.isoformat(),
        "signed_by": latest.signed_name,
        "outcomes": {o: counts.get(o, 0) for o in OUTCOMES},
        "minimum_total": len(minimum),
        "minimum_met": sum(1 for r in minimum if r["outcome"] in ("yes", "na")),
    }
