"""POST /api/v1/appeals: the platform forwards an account holder's complaint (issue #17, item 6).

The platform key decides the organisation; a decision of another organisation is a 404 like a
missing one. A repeat returns the first complaint with 200.
"""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import ConfigDict, Field, StrictInt, StrictStr

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import ScopedKey
from karpear.complaints.models import ComplaintChannel, ComplaintStatus
from karpear.complaints.services import access_decision, complaint_submit
from karpear.reports.api import ErrorOut

router = Router(tags=["appeals"], auth=ScopedKey(Scope.PLATFORM))


class AppealIn(Schema):
    """A complaint about one decision, as the account holder wrote it."""

    model_config = ConfigDict(extra="forbid")
    decision_id: Annotated[StrictInt, Field(ge=1, le=2**62)]
    reason: Annotated[StrictStr, Field(max_length=2000)] = ""


class AppealOut(Schema):
    reference: str
    decision_id: int
    status: ComplaintStatus
    received_at: str
    review_due_at: str


@router.post(
    "/appeals",
    response={201: AppealOut, 200: AppealOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Contest a decision on behalf of the account holder",
    description="One complaint per decision: repeating it returns the first one (200). A "
    "decision of another organisation, or none, is 404. The outcome comes back as an "
    "`account.notice` webhook with `complaint_outcome`, and a reversal as `content.restore` or "
    "`account.restore`.",
)
def create_appeal(request: HttpRequest, payload: AppealIn) -> tuple[int, AppealOut]:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    decision = access_decision(organisation=key.organisation, decision_id=payload.decision_id)
    complaint, created = complaint_submit(
        organisation=key.organisation,
        decision=decision,
        channel=ComplaintChannel.PLATFORM,
        reason=payload.reason,
        request=request,
    )
    return (201 if created else 200), AppealOut(
        reference=complaint.reference,
        decision_id=decision.pk,
        status=ComplaintStatus(complaint.status),
        received_at=complaint.received_at.isoformat(),
        review_due_at=complaint.due_at.isoformat(),
    )
