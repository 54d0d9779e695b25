"""Desk pages: thin views over cases, staff and audit services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from karpear.cases import classification
from karpear.cases import services as case_services
from karpear.cases.models import (
    AgeBand,
    Authority,
    Case,
    ContentType,
    DecisionKind,
    FourEyesRule,
    Ground,
    LegalAssessment,
    PendingDecision,
    SlaPolicy,
    State,
    VictimReferral,
)
from karpear.cases.selectors import QueueFilter, case_channels, case_queue, desk_figures
from karpear.cases.timeline import timeline
from karpear.cases.workflow import TRANSITIONS
from karpear.core.dates import local_moment, parse_moment
from karpear.core.errors import ApplicationError
from karpear.desk.access import (
    CASE_WORK,
    EVERY_ROLE,
    FIGURE_READERS,
    LEAD_ONLY,
    REGULATOR_READERS,
    desk_view,
    int_or_none,
)
from karpear.desk.evidence_views import case_evidence
from karpear.desk.search_views import bulk_context
from karpear.reports.models import Category, Channel
from karpear.staff.models import Role, StaffMember


@desk_view(*EVERY_ROLE, *REGULATOR_READERS)
def home(request: HttpRequest, member: StaffMember) -> HttpResponse:
    if member.organisation.is_regulator:
        return redirect("desk:regulator")  # the regulator's staff see no company page
    if member.can_see_cases:
        return redirect("desk:queue")
    if member.role == Role.TRAINER:
        return redirect("desk:education")
    return redirect("desk:compliance" if member.role == Role.COMPLIANCE else "desk:audit")


@desk_view(*CASE_WORK)
def queue(request: HttpRequest, member: StaffMember) -> HttpResponse:
    filters = QueueFilter(
        state=request.GET.get("state", "") if request.GET.get("state") in State.values else "",
        category=request.GET.get("category", "")
        if request.GET.get("category") in Category.values
        else "",
        channel=request.GET.get("channel", "")
        if request.GET.get("channel") in Channel.values
        else "",
        assignee_id=int_or_none(request.GET.get("assignee")),
    )
    after = None
    cursor = request.GET.get("after", "").split("_")
    if len(cursor) == 3 and (due := parse_moment(cursor[1])) is not None:
        after = (int_or_none(cursor[0]) or 0, due, int_or_none(cursor[2]) or 0)
    cases = case_queue(organisation=member.organisation, filters=filters, after=after)
    next_cursor = ""
    if len(cases) == 50:
        last = cases[-1]
        next_cursor = f"{last.priority}_{last.next_due_at.isoformat()}_{last.pk}"
    return render(
        request,
        "desk/queue.html",
        {
            "cases": cases,
            "channels": case_channels(cases),
            # Four eyes (item 14): cases with a removal or ban waiting for a second analyst.
            "awaiting": set(
                PendingDecision.objects.filter(
                    case__in=[c.pk for c in cases], status=PendingDecision.Status.PENDING
                ).values_list("case_id", flat=True)
            ),
            "now": timezone.now(),
            "filters": filters,
            "states": State.choices,
            "categories": Category.choices,
            "channel_choices": Channel.choices,
            "next_cursor": next_cursor,
            "analysts": _case_staff(member),
            **bulk_context(member),
        },
    )


def _case_staff(member: StaffMember) -> list[StaffMember]:
    return list(
        StaffMember.objects.filter(
            organisation=member.organisation, role__in=[Role.ANALYST, Role.LEAD]
        )
        .select_related("user")
        .order_by("user__username")
    )


def _case_context(request: HttpRequest, member: StaffMember, case: Any) -> dict[str, Any]:
    return {
        "case": case,
        "reports": case_services.case_reports(case),
        "events": timeline(list(case.events.select_related("actor"))),
        "decisions": case.decisions.select_related("decided_by", "confirmed_by"),
        "referrals": case.authority_referrals.all(),
        "victim_referrals": case.victim_referrals.select_related("service"),
        "next_states": [(s.value, s.label) for s in State if s in TRANSITIONS[State(case.state)]],
        "authorities": Authority.choices,
        "consent_methods": VictimReferral.ConsentMethod.choices,
        "legal_assessments": LegalAssessment.choices,
        "content_types": ContentType.choices,
        "age_bands": AgeBand.choices,
        "account_kinds": [
            (k.value, k.label)
            for k in (
                DecisionKind.ACCOUNT_WARNING,
                DecisionKind.ACCOUNT_SUSPENSION,
                DecisionKind.ACCOUNT_BAN,
            )
        ],
        "grounds": Ground.choices,
        "consents": VictimReferral.ConsentBy.choices,
        "services": case_services.referral_services(member.organisation),
        "staff": _case_staff(member),
        "is_lead": member.role == Role.LEAD,
        # Reporter contact and exact links: the screened assignee only (guidelines 2.6 b).
        "may_see_identity": case_services.may_see_identity(case=case, member=member),
        "evidence": case_evidence(case.pk),
        "now": timezone.now(),
        # Four eyes (item 14): the request waiting for a second analyst, if any.
        "pending": case_services.pending_decision(case),
    }


@desk_view(*CASE_WORK, reveals_content=True)
def case_detail(request: HttpRequest, member: StaffMember, case_id: int) -> HttpResponse:
    case = case_services.access_case(member=member, case_id=case_id, request=request)
    return render(request, "desk/case.html", _case_context(request, member, case))


def _act(request: HttpRequest, member: StaffMember, case_id: int, action: Any) -> HttpResponse:
    """Run one service call for a POSTed case action; show errors on the case page."""
    case = case_services.access_case(
        member=member, case_id=case_id, request=request, audit_view=False
    )
    version = int_or_none(request.POST.get("version"))
    try:
        if version is None:
            raise case_services.StaleEdit(
                _("This form is missing the case version; reload the case and try again.")
            )
        case_services.check_version(case, version)
        result = action(case, version)
    except ApplicationError as exc:
        case.refresh_from_db()
        context = _case_context(request, member, case)
        context.update(error=exc.message, error_fields=exc.fields, posted=request.POST)
        return render(request, "desk/case.html", context, status=exc.status)
    if isinstance(result, HttpResponse):
        return result
    if isinstance(result, PendingDecision) or (
        isinstance(result, Case) and case_services.pending_decision(result) is not None
    ):
        messages.info(
            request, _("Saved as a request: another analyst must confirm it before it is sent.")
        )
        return redirect("desk:case", case_id=case.pk)
    messages.success(request, _("Saved."))
    return redirect("desk:case", case_id=case.pk)


@require_POST
@desk_view(*CASE_WORK)
def case_transition(request: HttpRequest, member: StaffMember, case_id: int) -> HttpResponse:
    def action(case: Any, version: int) -> Any:
        to_state = request.POST.get("to_state", "")
        if to_state not in State.values:
            raise ApplicationError(
                _("Choose the next step."), fields={"to_state": [_("Choose one.")]}
            )
        referrals = [
            (Authority(a), str(request.POST.get(f"reference_{a}", "")))
            for a in request.POST.getlist("authority")
            if a in Authority.values
        ]
        ground = str(request.POST.get("ground", ""))
        return case_services.case_transition(
            case=case,
            member=member,
            to_state=State(to_state),
            reason=str(request.POST.get("reason", "")),
            expected_version=version,
            referrals=referrals,
            ground=Ground(ground) if ground in Ground.values else None,
            clause=str(request.POST.get("clause", "")),
            request=request,
        )

    return _act(request, member, case_id, action)


@require_POST
@desk_view(*CASE_WORK)
def case_classify(request: HttpRequest, member: StaffMember, case_id: int) -> HttpResponse:
    def action(case: Any, version: int) -> Any:
        return classification.case_classify(
            case=case,
            member=member,
            legal_assessment=str(request.POST.get("legal_assessment", "")),
            content_type=str(request.POST.get("content_type", "")),
            age_band=str(request.POST.get("age_band", "")),
            expected_version=version,
            request=request,
        )

    return _act(request, member, case_id, action)


@require_POST
@desk_view(*CASE_WORK)
def case_assign(request: HttpRequest, member: StaffMember, case_id: int) -> HttpResponse:
    def action(case: Any, version: int) -> Any:
        staff_id = int_or_none(request.POST.get("assignee"))
        assignee = (
            StaffMember.objects.filter(pk=staff_id, organisation=member.organisation)
            .select_related("user")
            .first()
            if staff_id
            else None
        )
        if staff_id and assignee is None:
            raise ApplicationError(_("There is no such staff member."))
        return case_services.case_assign(
            case=case, member=member, assignee=assignee, expected_version=version, request=request
        )

    return _act(request, member, case_id, action)


@require_POST
@desk_view(*CASE_WORK)
def case_account_decision(request: HttpRequest, member: StaffMember, case_id: int) -> HttpResponse:
    def action(case: Any, version: int) -> Any:
        kind = request.POST.get("kind", "")
        ground = request.POST.get("ground", "")
        if kind not in DecisionKind.values or ground not in Ground.values:
            raise ApplicationError(_("Choose the decision and its ground."))
        ends_at = local_moment(str(request.POST.get("ends_at", "")))
        return case_services.decision_account(
            case=case,
            member=member,
            kind=DecisionKind(kind),
            ground=Ground(ground),
            clause=str(request.POST.get("clause", "")),
            account_id=str(request.POST.get("account_id", "")),
            ends_at=ends_at,
            expected_version=version,
            request=request,
        )

    return _act(request, member, case_id, action)


@require_POST
@desk_view(*LEAD_ONLY)
def case_victim_referral(request: HttpRequest, member: StaffMember, case_id: int) -> HttpResponse:
    def action(case: Any, version: int) -> Any:
        return case_services.victim_referral_record(
            case=case,
            member=member,
            consent_by=str(request.POST.get("consent_by", "")),
            service_id=int_or_none(request.POST.get("service")),
            service_reference=str(request.POST.get("service_reference", "")),
            consent_method=str(request.POST.get("consent_method", "")),
            consent_at=local_moment(str(request.POST.get("consent_at", ""))),
            consent_obtained_by=str(request.POST.get("consent_obtained_by", "")),
            expected_version=version,
            request=request,
        )

    return _act(request, member, case_id, action)


@require_POST
@desk_view(*CASE_WORK)
def case_note(request: HttpRequest, member: StaffMember, case_id: int) -> HttpResponse:
    def action(case: Any, version: int) -> Any:
        return case_services.case_note_add(
            case=case, member=member, text=str(request.POST.get("text", "")), request=request
        )

    return _act(request, member, case_id, action)


@require_POST
@desk_view(*CASE_WORK, reveals_content=True)
def case_reveal(request: HttpRequest, member: StaffMember, case_id: int) -> HttpResponse:
    """Contact details or the exact link, shown once on a deliberate click (audited)."""
    case = case_services.access_case(
        member=member, case_id=case_id, request=request, audit_view=False
    )
    context = _case_context(request, member, case)
    if report_id := int_or_none(request.POST.get("report")):
        context["revealed_contact"] = (
            report_id,
            case_services.contact_reveal(
                case=case, member=member, report_id=report_id, request=request
            )
            or {},
        )
    elif item_id := int_or_none(request.POST.get("item")):
        context["revealed_link"] = (
            item_id,
            case_services.link_copy(case=case, member=member, item_id=item_id, request=request),
        )
    return render(request, "desk/case.html", context)


@desk_view(*FIGURE_READERS)
def figures(request: HttpRequest, member: StaffMember) -> HttpResponse:
    return render(request, "desk/figures.html", {"figures": desk_figures(member.organisation)})


@desk_view(*LEAD_ONLY)
def sla_settings(request: HttpRequest, member: StaffMember) -> HttpResponse:
    from karpear.cases.services import four_eyes_set, sla_policy_set

    policies = {p.category: p for p in SlaPolicy.objects.filter(organisation=member.organisation)}
    error = None
    if request.method == "POST":
        try:
            sla_policy_set(
                member=member,
                values={
                    c: (
                        int_or_none(request.POST.get(f"review_{c}")),
                        int_or_none(request.POST.get(f"action_{c}")),
                    )
                    for c in ["", *Category.values]
                },
                request=request,
            )
            # Four eyes per category (issue #16, item 14): the ticked rows, nothing else.
            four_eyes_set(
                member=member, categories=set(request.POST.getlist("four_eyes")), request=request
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("desk:sla"))
    rows = [(c, label, policies.get(c)) for c, label in [("", _("Default")), *Category.choices]]
    four_eyes = set(
        FourEyesRule.objects.filter(organisation=member.organisation).values_list(
            "category", flat=True
        )
    )
    return render(
        request,
        "desk/sla.html",
        {"rows": rows, "error": error, "four_eyes": four_eyes},
        status=400 if error else 200,
    )
