"""Four eyes on the heaviest decisions (issue #16, item 14): where the safeguarding lead turned
it on for a category, a permanent removal or a permanent ban by one analyst waits for a second
analyst's confirmation before it is recorded and sent to the platform.

This module only decides whether a decision waits and records the request; confirming and
rejecting live in `cases.confirmation`, which replays the request through the usual services.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.cases.common import audit_case, bump
from karpear.cases.models import (
    Case,
    CaseEvent,
    DecisionKind,
    FourEyesRule,
    Ground,
    PendingDecision,
)
from karpear.core.errors import ApplicationError
from karpear.staff.models import StaffMember

# The decisions that cannot be taken back on the platform: removing content for good and
# closing an account for good. Isolation, warnings and suspensions stay one analyst's call,
# so that nothing slows the first, protective step (guidelines 2.6: isolate at once).
FOUR_EYES_DECISIONS = frozenset({DecisionKind.CONTENT_REMOVE, DecisionKind.ACCOUNT_BAN})


def four_eyes_required(*, case: Case, kind: DecisionKind) -> bool:
    return (
        kind in FOUR_EYES_DECISIONS
        and FourEyesRule.objects.filter(
            organisation_id=case.organisation_id, category=case.category
        ).exists()
    )


def pending_decision(case: Case) -> PendingDecision | None:
    return (
        case.pending_decisions.filter(status=PendingDecision.Status.PENDING)
        .select_related("requested_by")
        .first()
    )


WAITING = _(
    "A decision on this case is waiting for a second analyst: confirm or reject it first "
    "(the analyst who asked can withdraw it)."
)


def require_none_waiting(case: Case, *, confirming: bool) -> None:
    """While a request waits, the case does not move by any other step: the second analyst
    must see the case as the first one did (and a confirmation replays onto that state)."""
    if not confirming and pending_decision(case) is not None:
        raise ApplicationError(WAITING, code="confirmation_pending", status=409)


def confirmation_request(
    *,
    case: Case,
    member: StaffMember,
    kind: DecisionKind,
    ground: Ground,
    clause: str,
    expected_version: int,
    reason: str = "",
    account_id: str = "",
    content_ref: str = "",
    request: HttpRequest | None = None,
) -> PendingDecision:
    """Record the request instead of the decision (the caller has checked its input already).

    Bumps the case version so that a form opened before the request is refused as stale.
    """
    if pending_decision(case) is not None:
        raise ApplicationError(
            _("A decision on this case is already waiting for a second analyst."),
            code="confirmation_pending",
            status=409,
        )
    now = timezone.now().replace(microsecond=0)
    case = bump(case, expected_version)
    pending = PendingDecision.objects.create(
        case=case,
        organisation_id=case.organisation_id,
        kind=kind,
        reason=reason,
        ground=ground,
        clause=clause[:200],
        account_id=account_id[:200],
        content_ref=content_ref[:300],
        requested_by=member.user,
        requested_at=now,
    )
    CaseEvent.objects.create(
        case=case,
        kind="confirmation_requested",
        actor=member.user,
        at=now,
        reason=reason or clause,
        detail={"decision": kind, "ground": ground, "account": account_id},
    )
    audit_case(
        member,
        "decision_confirmation_requested",
        case,
        request,
        kind=kind,
        ground=ground,
        clause=clause,
        account=account_id,
    )
    return pending
