"""What every part of the compliance workflow shares: the writer check, the draft lock, outcomes.

Writes need the compliance role (checked here as well as in the views). Guidelines 2.1-2.5, 3 and
Appendix 2 (notes 2 and 3: minimum items; N/A only with a reason).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.compliance.frameworks import Framework, Item, get_framework
from karpear.compliance.models import Answer, Assessment
from karpear.core.errors import ApplicationError, NotFound
from karpear.orgs.models import Organisation
from karpear.staff.models import Role, StaffMember

COP_CHOICES = ("yes", "partially", "no", "na")
OUTCOMES = ("yes", "partially", "no", "na", "open")
MAX_TEXT = 10_000
MAX_FILE_BYTES = 5 * 1024 * 1024
FILE_TYPES = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    "text/plain": b"",
}


class Frozen(ApplicationError):
    status = 409
    code = "signed_off"


def require_writer(member: StaffMember) -> None:
    if member.role != Role.COMPLIANCE:
        raise ApplicationError(
            _("Only the compliance officer can change assessments."), code="forbidden", status=403
        )


def framework_of(assessment: Assessment) -> Framework:
    framework = get_framework(assessment.framework_id)
    if framework is None:
        raise NotFound(_("This assessment's framework is no longer installed."))
    return framework


def audit_assessment(
    member: StaffMember,
    action: str,
    assessment: Assessment,
    detail: dict[str, Any],
    request: HttpRequest | None,
) -> None:
    audit_record(
        action=action,
        organisation=member.organisation,
        actor=member.user,
        object_type="assessment",
        object_id=assessment.pk,
        detail=detail,
        request=request,
    )


def get_assessment(*, organisation: Organisation, assessment_id: int) -> Assessment:
    """An assessment of this organisation; another organisation's is simply not found."""
    found = (
        Assessment.objects.filter(organisation=organisation, pk=assessment_id)
        .select_related("product", "signed_by", "created_by")
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such assessment."))
    return found


def risk_level(value: dict[str, Any]) -> int:
    """The highest likelihood x severity over the age groups (0 if no group uses the product)."""
    return max(
        (int(v.get("likelihood", 0)) * int(v.get("severity", 0)) for v in value.values()),
        default=0,
    )


def outcome(item: Item, answer: Answer | None) -> str:
    """The colour an answer shows: yes, partially, no, na or open (not answered)."""
    if answer is None:
        return "open"
    if answer.not_applicable:
        return "na"
    if item.answer in ("cop", "yesno"):
        return str(answer.value)
    if item.answer == "risk":
        level = risk_level(answer.value or {})
        return "no" if level >= 8 else "partially" if level >= 4 else "yes"
    return "yes"


def lock_draft(organisation: Organisation, assessment_id: int) -> Assessment:
    """Lock the assessment row, so a sign-off and an answer cannot cross."""
    assessment = (
        Assessment.objects.select_for_update()
        .filter(organisation=organisation, pk=assessment_id)
        .first()
    )
    if assessment is None:
        raise NotFound(_("There is no such assessment."))
    if assessment.is_frozen:
        raise Frozen(
            _("This assessment is signed off and can no longer change. Start the next one.")
        )
    return assessment


def current_answers(assessment: Assessment) -> dict[str, Answer]:
    """The latest version of each item's answer."""
    latest: dict[str, Answer] = {}
    for answer in assessment.answers.select_related("answered_by").order_by("ref", "-version"):
        latest.setdefault(answer.ref, answer)
    return latest
