"""The referral inbox: `GET /api/v1/referrals`, `GET /api/v1/referrals/{id}`,
`POST /api/v1/referrals/{id}/acknowledge` (issue #17, item 2).

For recipients holding `issuer` keys (the ACU, the hotline): each key sees only its own
issuer's referrals; another recipient's is 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field, StrictStr

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import ScopedKey
from karpear.notices.services import issuer_for_key
from karpear.referrals.child import referral_outcome
from karpear.referrals.models import Outcome, Referral
from karpear.referrals.report import withheld_shown
from karpear.referrals.selectors import disclosures_for
from karpear.referrals.services import inbox, referral_acknowledge, referral_read
from karpear.reports.api import ErrorOut

router = Router(tags=["referrals"], auth=ScopedKey(Scope.ISSUER, Scope.SERVICE))


ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
}


class ReferralSummary(Schema):
    id: int
    purpose: str
    schema_version: str
    sent_at: datetime
    send_count: int
    acknowledged_at: datetime | None
    reference: str
    # Child referrals: what the service reported back (contacted / could_not_reach / declined).
    outcome: str
    # A follow-up (new evidence after you acknowledged): the earlier referral and your number.
    follows: int | None
    follows_reference: str


class ReferralOut(ReferralSummary):
    report: dict[str, Any]
    withheld: list[dict[str, str]]
    # Approved two-person disclosures of this case to your agency: manifests of hashes.
    disclosures: list[dict[str, Any]]


class InboxOut(Schema):
    referrals: list[ReferralSummary]
    # Pass as `since` and `after_id` to get the next page; null when nothing was returned.
    next_since: datetime | None
    next_after_id: int | None


class OutcomeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    outcome: Outcome


class AckIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reference: Annotated[StrictStr, Field(min_length=1, max_length=100)]


def _summary(r: Referral) -> dict[str, Any]:
    return {
        "id": r.pk,
        "purpose": r.purpose,
        "schema_version": r.schema_version,
        "sent_at": r.last_sent_at,
        "send_count": r.send_count,
        "acknowledged_at": r.acknowledged_at,
        "reference": r.recipient_reference,
        "outcome": r.outcome,
        "follows": r.follows_id,
        "follows_reference": r.follows.recipient_reference if r.follows is not None else "",
    }


def _answered(result: tuple[Referral, bool]) -> tuple[int, ReferralSummary]:
    """201 for a new acknowledgement or outcome, 200 for the same one again."""
    r, new = result
    return (201 if new else 200), ReferralSummary(**_summary(r))


@router.get(
    "/referrals",
    response={200: InboxOut, **ERRORS},
    summary="Your referral inbox",
    description="Referrals sent to you, oldest first, after `since` (the time a referral was "
    "last sent, so a re-sent referral appears again). Page with `next_since` and "
    "`next_after_id` passed as `since` and `after_id`: no referral is skipped or repeated.",
)
def list_referrals(
    request: HttpRequest,
    since: Annotated[datetime | None, Query(description="only referrals sent after this")] = None,
    after_id: Annotated[
        int | None, Query(description="with `since`: also those sent at `since` after this id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> InboxOut:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    rows = inbox(
        recipient=issuer_for_key(key), key=key, since=since, after_id=after_id, limit=limit
    )
    return InboxOut(
        referrals=[ReferralSummary(**_summary(r)) for r in rows],
        next_since=rows[-1].last_sent_at if rows else None,
        next_after_id=rows[-1].pk if rows else None,
    )


@router.get(
    "/referrals/{referral_id}",
    response={200: ReferralOut, **ERRORS},
    summary="One referral report",
    description="The report (docs/referral-report.schema.json) and what was withheld and why. "
    "Evidence files are described by their hashes; the files themselves go through the "
    "vault's two-person disclosure.",
)
def get_referral(request: HttpRequest, referral_id: int) -> ReferralOut:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    r = referral_read(recipient=issuer_for_key(key), key=key, referral_id=referral_id)
    return ReferralOut(
        **_summary(r),
        report=r.report,
        # Reasons in the caller's language (Accept-Language), English by default for the API.
        withheld=withheld_shown(r.withheld),
        disclosures=disclosures_for(referral=r),
    )


@router.post(
    "/referrals/{referral_id}/acknowledge",
    response={201: ReferralSummary, 200: ReferralSummary, 409: ErrorOut, **ERRORS},
    summary="Acknowledge a referral with your case number",
    description="201 the first time; the same number again is 200 and changes nothing; another "
    "number is 409 `already_acknowledged`. Another recipient's referral is 404.",
)
def acknowledge_referral(
    request: HttpRequest, referral_id: int, payload: AckIn
) -> tuple[int, ReferralSummary]:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    return _answered(
        referral_acknowledge(
            recipient=issuer_for_key(key),
            key=key,
            referral_id=referral_id,
            reference=payload.reference,
        )
    )


@router.post(
    "/referrals/{referral_id}/outcome",
    response={201: ReferralSummary, 200: ReferralSummary, 409: ErrorOut, **ERRORS},
    summary="Report what happened with a referred child",
    description="For child-protection services, on a referral of a child (purpose `child`): "
    "`contacted`, `could_not_reach` or `declined`. 201 the first time; the same outcome again "
    "is 200; another is 409 `outcome_recorded`. Any other referral is 400.",
)
def report_outcome(
    request: HttpRequest, referral_id: int, payload: OutcomeIn
) -> tuple[int, ReferralSummary]:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    return _answered(
        referral_outcome(
            recipient=issuer_for_key(key), key=key, referral_id=referral_id, outcome=payload.outcome
        )
    )
