"""Hash matches on the desk (issue #6, items 10 and 11): the lead confirms or rejects matches and
releases quarantined hashes. Thin views over karpear.hashes."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from karpear.core.errors import ApplicationError
from karpear.desk.access import desk_view, int_or_none
from karpear.hashes import selectors, services
from karpear.staff.models import Role, StaffMember


@desk_view(Role.LEAD, Role.ADMIN)
def matches(request: HttpRequest, member: StaffMember) -> HttpResponse:
    org = member.organisation
    return render(
        request,
        "desk/hashes.html",
        {
            "banks": selectors.bank_summary(org),
            "matches": selectors.recent_matches(org),
            "quarantined": selectors.quarantined(org),
            "is_lead": member.role == Role.LEAD,
        },
    )


@require_POST
@desk_view(Role.LEAD)
def match_decide(request: HttpRequest, member: StaffMember, match_id: int) -> HttpResponse:
    try:
        services.match_decide(
            match_id=match_id,
            organisation=member.organisation,
            confirm=request.POST.get("decision") == "confirm",
            actor=member.user,
        )
        messages.success(request, _("The decision is recorded."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("desk:hashes")


@require_POST
@desk_view(Role.LEAD)
def release(request: HttpRequest, member: StaffMember) -> HttpResponse:
    try:
        services.quarantine_release(
            bank_hash_id=int_or_none(request.POST.get("hash")) or 0,
            organisation=member.organisation,
            actor=member.user,
        )
        messages.success(request, _("The hash can trigger automatic action again."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("desk:hashes")
