"""Moving a case through its states (cases.workflow), assigning it, adding notes."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.cases.common import (
    InvalidTransition,
    audit_case,
    bump,
    check_version,
    require_ground,
    require_reason,
)
from karpear.cases.decisions import CSAM_CATEGORIES, decision_record
from karpear.cases.four_eyes import (
    confirmation_request,
    four_eyes_required,
    require_none_waiting,
)
from karpear.cases.identity import screening_clear
from karpear.cases.models import (
    Authority,
    AuthorityReferral,
    Case,
    CaseEvent,
    DecisionKind,
    Ground,
    State,
)
from karpear.cases.workflow import ACTION_STATES, IMPLIED_DECISION, PUBLIC_STATUS, allowed
from karpear.core.errors import ApplicationError, NotFound
from karpear.referrals.services import referrals_on_transition
from karpear.reports.services import (
    report_set_status,
)
from karpear.staff.models import Role, StaffMember

# ---------------------------------------------------------------- workflow


@transaction.atomic
def case_transition(
    *,
    case: Case,
    member: StaffMember,
    to_state: State,
    reason: str,
    expected_version: int,
    referrals: list[tuple[Authority, str]] | None = None,
    content_ref: str = "",
    ground: Ground | None = None,
    clause: str = "",
    request: HttpRequest | None = None,
    confirmed_by: StaffMember | None = None,
) -> Case:
    """Move a case to `to_state`, with the decisions and referrals the move implies.

    1. Check: the move is allowed from the current state; reopening needs the
       safeguarding lead; a reason is given; "referred" names at least one
       authority; isolating or removing names its legal ground and the article
       or clause, chosen by the analyst (nothing defaults: issue #16, item 3).
    2. Do: bump the version (fails if stale), set SLA timestamps, record implied
       content decisions and referrals, the timeline event, the reporters'
       public status and the audit entry.

    Where the category needs four eyes (issue #16, item 14), a permanent removal stops after
    step 1 as a request for a second analyst (`cases.four_eyes`); `cases.confirmation` calls
    this again with `confirmed_by` once someone else confirms it.
    """
    check_version(case, expected_version)
    require_none_waiting(case, confirming=confirmed_by is not None)
    from_state = State(case.state)
    if not allowed(from_state, to_state):
        raise InvalidTransition(
            _("A case cannot go from “%(from)s” to “%(to)s”.")
            % {"from": from_state.label, "to": to_state.label}
        )
    if from_state == State.CLOSED:
        _require_may_reopen(case, member)
    reason = require_reason(reason)
    _require_referrals(to_state, referrals)
    implied = IMPLIED_DECISION.get(to_state)
    if to_state == State.NOT_ILLEGAL:
        isolation = case.decisions.filter(kind=DecisionKind.CONTENT_ISOLATE).last()
        if isolation is not None:
            # Restoring reverses the isolation, on the ground it was taken under.
            implied, ground, clause = DecisionKind.CONTENT_RESTORE, Ground(isolation.ground), reason
    if implied is not None:
        ground, clause = require_ground(ground, clause)
        if confirmed_by is None and four_eyes_required(case=case, kind=implied):
            confirmation_request(
                case=case,
                member=member,
                kind=implied,
                ground=ground,
                clause=clause,
                reason=reason,
                content_ref=content_ref,
                expected_version=expected_version,
                request=request,
            )
            return case
    now = timezone.now().replace(microsecond=0)
    changes: dict[str, Any] = {"state": to_state}
    if case.first_reviewed_at is None and to_state != State.RECEIVED:
        changes["first_reviewed_at"] = now
        changes["next_due_at"] = case.action_due_at
    if case.first_action_at is None and to_state in ACTION_STATES:
        changes["first_action_at"] = now
    if to_state == State.CLOSED:
        changes["closed_at"] = now
    case = (
        _reopen(case, member, expected_version, {**changes, "closed_at": None})
        if from_state == State.CLOSED
        else bump(case, expected_version, **changes)
    )
    CaseEvent.objects.create(
        case=case,
        kind="transition",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        actor=member.user,
        at=now,
    )
    if implied is not None and ground is not None:
        decision_record(
            case=case,
            member=member,
            kind=implied,
            ground=ground,
            clause=clause,
            content_ref=content_ref,
            at=now,
            request=request,
            confirmed_by=confirmed_by,
        )
    for authority, reference in referrals or []:
        AuthorityReferral.objects.create(
            case=case,
            authority=authority,
            reference=reference.strip()[:100],
            referred_by=member.user,
            referred_at=now,
        )
    # Issue #17, items 1-3: the move also delivers a referral report to each inbox it implies.
    referrals_on_transition(
        case=case,
        member=member,
        to_state=to_state,
        authorities=[Authority(a) for a, _r in referrals or []],
        request=request,
    )
    report_ids = list(case.case_reports.values_list("report_id", flat=True))
    report_set_status(report_ids=report_ids, status=PUBLIC_STATUS[to_state])
    audit_case(
        member,
        "case_transition",
        case,
        request,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        referrals=[[a, r] for a, r in referrals or []],
    )
    return case


def _require_referrals(to_state: State, referrals: list[tuple[Authority, str]] | None) -> None:
    if to_state == State.REFERRED and not referrals:
        raise ApplicationError(
            _("Name the authority the case is referred to."),
            code="referral_required",
            fields={"authority": [str(_("Choose at least one."))]},
        )


@transaction.atomic
def case_assign(
    *,
    case: Case,
    member: StaffMember,
    assignee: StaffMember | None,
    expected_version: int,
    request: HttpRequest | None = None,
) -> Case:
    """Assign a case (safeguarding lead; analysts may take an unassigned case themselves)."""
    if assignee is not None and assignee.organisation_id != case.organisation_id:
        raise NotFound(_("There is no such staff member."))
    if assignee is not None and not assignee.can_see_cases:
        raise ApplicationError(_("Cases can only be assigned to analysts or the lead."))
    if assignee is not None and case.category in CSAM_CATEGORIES and not screening_clear(assignee):
        # Guidelines 2.6 b: only listed and screened personnel handle CSAM (the categories
        # whose cases hold child sexual abuse material itself, decisions.CSAM_CATEGORIES).
        raise ApplicationError(
            _(
                "This case may hold child sexual abuse material, and %(name)s has no clear "
                "screening in date on the personnel register. Ask the safeguarding lead to "
                "update the register, or give the case to someone screened."
            )
            % {"name": assignee.user.get_username()},
            code="not_screened",
            status=403,
        )
    taking_free_case = (
        assignee is not None and assignee.pk == member.pk and case.assignee_id is None
    )
    if member.role != Role.LEAD and not taking_free_case:
        raise ApplicationError(
            _("Only the safeguarding lead can assign cases."), code="forbidden", status=403
        )
    case = bump(case, expected_version, assignee=assignee.user if assignee else None)
    CaseEvent.objects.create(
        case=case,
        kind="assign",
        actor=member.user,
        at=timezone.now().replace(microsecond=0),
        detail={"assignee": assignee.user.get_username() if assignee else None},
    )
    audit_case(
        member,
        "case_assign",
        case,
        request,
        assignee=assignee.user.get_username() if assignee else None,
    )
    return case


@transaction.atomic
def case_note_add(
    *, case: Case, member: StaffMember, text: str, request: HttpRequest | None = None
) -> CaseEvent:
    text = require_reason(text)[:4000]
    event = CaseEvent.objects.create(
        case=case,
        kind="note",
        actor=member.user,
        at=timezone.now().replace(microsecond=0),
        reason=text,
    )
    audit_case(member, "case_note", case, request)
    return event


def _require_may_reopen(case: Case, member: StaffMember) -> None:
    """Only the safeguarding lead reopens a case, and only if no other case about the same
    content is open: one open case per piece of content (the index one_open_case_per_content),
    so two analysts never work one item (guidelines 2.6 b). The desk is told which case to
    work instead."""
    if member.role != Role.LEAD:
        raise ApplicationError(
            _("Only the safeguarding lead can reopen a case."), code="forbidden", status=403
        )
    twin = (
        Case.objects.filter(organisation_id=case.organisation_id, group_key=case.group_key)
        .exclude(state=State.CLOSED)
        .exclude(pk=case.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if twin is not None:
        raise ApplicationError(
            _(
                "Case #%(n)s is open about the same content. Work on that case, or close it "
                "before reopening this one."
            )
            % {"n": twin},
            code="open_case_exists",
            status=409,
        )


def _reopen(
    case: Case, member: StaffMember, expected_version: int, changes: dict[str, Any]
) -> Case:
    """`bump` for a reopening. A case about the same content opened by a report or notice
    after `_require_may_reopen` looked, and not yet committed then, makes the index refuse
    this UPDATE once it commits: the same 409 naming it, not a server error. The savepoint
    (reopenings only) keeps the caller's transaction usable for that answer."""
    try:
        with transaction.atomic():
            return bump(case, expected_version, **changes)
    except IntegrityError:
        _require_may_reopen(case, member)
        raise
