"""The second pair of eyes (issue #16, item 14): confirming or rejecting a removal or ban that
another analyst asked for, and the lead's per-category switch.

Confirming replays the request through the usual service (`case_transition` or
`decision_account`) on behalf of the analyst who asked, with the confirmer recorded beside
them, so the decision, its preservation request and its webhook are exactly what one analyst's
decision would have produced, only later. Nobody confirms or rejects their own request.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.cases.common import audit_case, bump, check_version
from karpear.cases.decisions import CSAM_CATEGORIES, decision_account
from karpear.cases.identity import screening_clear
from karpear.cases.models import (
    Case,
    CaseEvent,
    DecisionKind,
    FourEyesRule,
    Ground,
    PendingDecision,
    State,
)
from karpear.cases.transitions import case_transition
from karpear.core.errors import ApplicationError, NotFound
from karpear.reports.models import Category
from karpear.staff.models import Role, StaffMember

__all__ = ["confirmation_answer", "four_eyes_set"]


def _check_answer(
    case: Case, pending: PendingDecision, member: StaffMember, *, confirm: bool
) -> None:
    if pending.case_id != case.pk or pending.organisation_id != member.organisation_id:
        raise NotFound(_("There is no such request."))
    if member.role not in (Role.ANALYST, Role.LEAD):
        raise ApplicationError(
            _("Only an analyst or the safeguarding lead can confirm a decision."),
            code="forbidden",
            status=403,
        )
    if pending.status != PendingDecision.Status.PENDING:
        raise ApplicationError(
            _("This request was already answered."), code="already_answered", status=409
        )
    if confirm and pending.requested_by_id == member.user_id:
        # The whole point of four eyes: the second pair must belong to someone else. Whoever
        # asked may still withdraw (reject) their own request.
        raise ApplicationError(
            _("Someone other than you must confirm your own request."),
            code="own_request",
            status=403,
        )
    if confirm and case.category in CSAM_CATEGORIES and not screening_clear(member):
        # Confirming means looking at what may be CSAM: screened personnel only (2.6 b).
        raise ApplicationError(
            _(
                "This case may hold child sexual abuse material: only someone with a clear "
                "screening in date on the personnel register can confirm the decision."
            ),
            code="not_screened",
            status=403,
        )


@transaction.atomic
def confirmation_answer(
    *,
    case: Case,
    member: StaffMember,
    pending_id: int,
    confirm: bool,
    expected_version: int,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Case:
    """Confirm (record the decision and queue its webhook) or reject (nothing is sent) a request;
    the analyst who asked may reject (withdraw) it, never confirm it.

    1. Check: the version, the request belongs to this case and is still open, the member is an
       analyst or the lead and not the one who asked; a rejection gives its reason.
    2. Do: lock the request row, mark it answered, then replay it (confirm) or record the
       rejection on the timeline; audited either way.
    """
    check_version(case, expected_version)
    pending = (
        PendingDecision.objects.select_for_update()
        .filter(pk=pending_id, organisation_id=member.organisation_id)
        .first()
    )
    if pending is None:
        raise NotFound(_("There is no such request."))
    _check_answer(case, pending, member, confirm=confirm)
    reason = reason.strip()
    if not confirm and not reason:
        raise ApplicationError(
            _("Say why you reject it."),
            code="reason_required",
            fields={"reason": [str(_("Please give a reason."))]},
        )
    now = timezone.now().replace(microsecond=0)
    pending.status = (
        PendingDecision.Status.CONFIRMED if confirm else PendingDecision.Status.REJECTED
    )
    pending.answered_by = member.user
    pending.answered_at = now
    pending.answer_reason = reason[:4000]
    pending.save(update_fields=["status", "answered_by", "answered_at", "answer_reason"])
    audit_case(
        member,
        "decision_confirmed" if confirm else "decision_rejected",
        case,
        request,
        kind=pending.kind,
        requested_by=pending.requested_by.get_username(),
        reason=reason,
    )
    if not confirm:
        case = bump(case, expected_version)
        CaseEvent.objects.create(
            case=case,
            kind="confirmation_rejected",
            actor=member.user,
            at=now,
            reason=reason,
            detail={"decision": pending.kind},
        )
        return case
    requester = StaffMember.objects.select_related("user", "organisation").get(
        user_id=pending.requested_by_id
    )
    if pending.kind == DecisionKind.CONTENT_REMOVE:
        return case_transition(
            case=case,
            member=requester,
            to_state=State.CONFIRMED_ILLEGAL,
            reason=pending.reason,
            expected_version=expected_version,
            ground=Ground(pending.ground),
            clause=pending.clause,
            content_ref=pending.content_ref,
            request=request,
            confirmed_by=member,
        )
    decision_account(
        case=case,
        member=requester,
        kind=DecisionKind(pending.kind),
        ground=Ground(pending.ground),
        clause=pending.clause,
        account_id=pending.account_id,
        expected_version=expected_version,
        request=request,
        confirmed_by=member,
    )
    case.refresh_from_db()
    return case


@transaction.atomic
def four_eyes_set(
    *, member: StaffMember, categories: set[str], request: HttpRequest | None = None
) -> None:
    """Turn four eyes on for exactly `categories` (the safeguarding lead; off by default)."""
    if member.role != Role.LEAD:
        raise ApplicationError(
            _("Only the safeguarding lead can change SLA targets."), code="forbidden", status=403
        )
    wanted = {c for c in categories if c in Category.values}
    rules = FourEyesRule.objects.filter(organisation=member.organisation)
    before = set(rules.values_list("category", flat=True))
    if wanted == before:
        return
    rules.exclude(category__in=wanted).delete()
    for category in sorted(wanted - before):
        FourEyesRule.objects.create(organisation=member.organisation, category=category)
    audit_record(
        action="settings_change",
        organisation=member.organisation,
        actor=member.user,
        object_type="four_eyes",
        detail={"categories": sorted(wanted)},
        request=request,
    )
