"""The analyst's classification of a case (issue #16, item 9).

After INHOPE's ICCAM practice, the desk records its own legal assessment (baseline CSAM under
international standards, illegal under Cambodian law, or not illegal), the type of content and the
apparent age band of the child (guidelines Appendix 1 bands). The reporter's category stays as
reported; figures count the classification where there is one and say so.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.cases.common import bump, check_version
from karpear.cases.models import AgeBand, Case, CaseEvent, ContentType, LegalAssessment
from karpear.core.errors import ApplicationError
from karpear.staff.models import CASE_ROLES, StaffMember


@transaction.atomic
def case_classify(
    *,
    case: Case,
    member: StaffMember,
    legal_assessment: str,
    content_type: str,
    age_band: str,
    expected_version: int,
    request: HttpRequest | None = None,
) -> Case:
    """Record (or correct) the classification; every field is chosen, none defaults."""
    check_version(case, expected_version)
    if member.role not in CASE_ROLES:
        raise ApplicationError(_("Only case staff classify cases."), code="forbidden", status=403)
    errors: dict[str, list[str]] = {}
    if legal_assessment not in LegalAssessment.values:
        errors["legal_assessment"] = [str(_("Choose the legal assessment."))]
    if content_type not in ContentType.values:
        errors["content_type"] = [str(_("Choose the type of content."))]
    if age_band not in AgeBand.values:
        errors["age_band"] = [str(_("Choose the apparent age, or “Cannot tell”."))]
    if errors:
        raise ApplicationError(_("Some answers need to be checked."), fields=errors)
    before = {
        "legal_assessment": case.legal_assessment,
        "content_type": case.content_type,
        "age_band": case.age_band,
    }
    after = {
        "legal_assessment": legal_assessment,
        "content_type": content_type,
        "age_band": age_band,
    }
    now = timezone.now().replace(microsecond=0)
    case = bump(case, expected_version, **after, classified_by=member.user, classified_at=now)
    CaseEvent.objects.create(case=case, kind="classified", actor=member.user, at=now, detail=after)
    audit_record(
        action="case_classify",
        organisation=member.organisation,
        actor=member.user,
        object_type="case",
        object_id=case.pk,
        detail={"before": before, "after": after},
        request=request,
    )
    return case
