"""Working many cases at once (issue #16, item 11): assign, join duplicates into one case, close
as duplicates, refer together; one reason for all, each case changed and audited on its own.

All or nothing: every selected case is checked first (same organisation, open, the step allowed
from its state), and the changes are made in one transaction, so a refusal names the case and
leaves every case as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.cases import services
from karpear.cases.common import bump, require_reason
from karpear.cases.models import Authority, Case, CaseEvent, CaseReport, State
from karpear.cases.workflow import PUBLIC_STATUS, allowed
from karpear.core.errors import ApplicationError
from karpear.reports.services import report_set_status
from karpear.staff.models import Role, StaffMember


class BulkAction:
    ASSIGN = "assign"
    JOIN = "join"
    CLOSE_DUPLICATE = "close_duplicate"
    REFER = "refer"

    CHOICES = (
        (ASSIGN, _("Assign to one person")),
        (JOIN, _("Join into the case to keep: its reports move there, the others close")),
        (CLOSE_DUPLICATE, _("Close as duplicates of the case to keep")),
        (REFER, _("Refer together to one authority")),
    )


MAX_CASES = 200


@dataclass(frozen=True)
class BulkRequest:
    action: str
    case_ids: tuple[int, ...]
    reason: str
    target_id: int | None = None
    assignee: StaffMember | None = None
    authority: str = ""
    reference: str = ""


def _refuse(message: str | Promise, field: str = "case") -> ApplicationError:
    return ApplicationError(message, code="bulk_refused", fields={field: [str(message)]})


def _cases(member: StaffMember, ids: tuple[int, ...]) -> list[Case]:
    if not ids:
        raise _refuse(_("Select at least one case."))
    if len(ids) > MAX_CASES:
        raise _refuse(_("Select at most 200 cases at once."))
    cases = list(
        Case.objects.select_for_update()
        .filter(organisation_id=member.organisation_id, pk__in=ids)
        .order_by("id")
    )
    if len(cases) != len(set(ids)):
        raise _refuse(_("Some of the selected cases do not exist."))
    return cases


@transaction.atomic
def cases_bulk(
    *, member: StaffMember, request: BulkRequest, http: HttpRequest | None = None
) -> list[Case]:
    """Apply one action to every selected case; see the module docstring."""
    reason = require_reason(request.reason)
    cases = _cases(member, request.case_ids)
    if request.action == BulkAction.ASSIGN:
        if member.role != Role.LEAD:
            raise _refuse(_("Only the safeguarding lead can assign cases."), "action")
        return [
            services.case_assign(
                case=c,
                member=member,
                assignee=request.assignee,
                expected_version=c.version,
                request=http,
            )
            for c in cases
        ]
    if request.action == BulkAction.REFER:
        return _refer(member, cases, request, reason, http)
    if request.action in (BulkAction.JOIN, BulkAction.CLOSE_DUPLICATE):
        return _duplicates(member, cases, request, reason, http)
    raise _refuse(_("Choose what to do with the selected cases."), "action")


def _refer(
    member: StaffMember,
    cases: list[Case],
    request: BulkRequest,
    reason: str,
    http: HttpRequest | None,
) -> list[Case]:
    if request.authority not in Authority.values:
        raise _refuse(_("Choose the authority the cases are referred to."), "authority")
    for case in cases:
        if not allowed(State(case.state), State.REFERRED):
            raise _refuse(
                _("Case #%(n)s cannot be referred from “%(state)s”; review it first.")
                % {"n": case.pk, "state": State(case.state).label}
            )
    return [
        services.case_transition(
            case=c,
            member=member,
            to_state=State.REFERRED,
            reason=reason,
            expected_version=c.version,
            referrals=[(Authority(request.authority), request.reference)],
            request=http,
        )
        for c in cases
    ]


def _require_screened_keeper(target: Case, others: list[Case]) -> None:
    """Joining moves reports: a CSAM case's reports go only to a case whose assignee (if
    any) is screened, as assigning would require (guidelines 2.6 b; issue #15 item 3)."""
    from karpear.cases.decisions import CSAM_CATEGORIES
    from karpear.cases.identity import screening_clear

    if target.assignee_id is None or not any(c.category in CSAM_CATEGORIES for c in others):
        return
    keeper = StaffMember.objects.select_related("user").get(user_id=target.assignee_id)
    if screening_clear(keeper):
        return
    message = _(
        "This case may hold child sexual abuse material, and %(name)s has no clear "
        "screening in date on the personnel register. Ask the safeguarding lead to "
        "update the register, or give the case to someone screened."
    ) % {"name": keeper.user.get_username()}
    raise ApplicationError(message, code="not_screened", fields={"target": [str(message)]})


def _duplicates(
    member: StaffMember,
    cases: list[Case],
    request: BulkRequest,
    reason: str,
    http: HttpRequest | None,
) -> list[Case]:
    """Close the selected cases (all but the target) as duplicates of the target; joining also
    moves their reports to it, so the reporters follow the case that is worked."""
    target = next((c for c in cases if c.pk == request.target_id), None)
    if target is None:
        target = (
            Case.objects.select_for_update()
            .filter(organisation_id=member.organisation_id, pk=request.target_id or 0)
            .first()
        )
    if target is None:
        raise _refuse(_("Give the number of the case to keep."), "target")
    if not target.is_open:
        raise _refuse(_("The case to keep is closed; reopen it first."), "target")
    others = [c for c in cases if c.pk != target.pk]
    if not others:
        raise _refuse(_("Select the duplicates as well as the case to keep."))
    for case in others:
        if not case.is_open:
            raise _refuse(_("Case #%(n)s is already closed.") % {"n": case.pk})
    joining = request.action == BulkAction.JOIN
    if joining:
        _require_screened_keeper(target, others)
    now = timezone.now().replace(microsecond=0)
    closed = []
    moved_in_all = 0
    for duplicate in others:
        moved = 0
        from_state = duplicate.state
        if joining:
            moved = CaseReport.objects.filter(case=duplicate).update(case=target)
            moved_in_all += moved
        case = bump(
            duplicate,
            duplicate.version,
            state=State.CLOSED,
            closed_at=now,
            duplicate_of=target,
            report_count=0 if joining else duplicate.report_count,
        )
        CaseEvent.objects.create(
            case=case,
            kind="duplicate",
            from_state=from_state,
            to_state=State.CLOSED,
            reason=reason,
            actor=member.user,
            at=now,
            detail={"target": target.pk, "reports_moved": moved},
        )
        audit_record(
            action="case_join" if joining else "case_close_duplicate",
            organisation=member.organisation,
            actor=member.user,
            object_type="case",
            object_id=case.pk,
            detail={"target": target.pk, "reports_moved": moved, "reason": reason},
            request=http,
        )
        closed.append(case)
    if joining:
        report_ids = list(target.case_reports.values_list("report_id", flat=True))
        report_set_status(report_ids=report_ids, status=PUBLIC_STATUS[State(target.state)])
        CaseEvent.objects.create(
            case=target,
            kind="joined",
            actor=member.user,
            at=now,
            reason=reason,
            detail={"cases": [c.pk for c in closed]},
        )
        Case.objects.filter(pk=target.pk).update(
            version=F("version") + 1, report_count=F("report_count") + moved_in_all
        )
    return closed
