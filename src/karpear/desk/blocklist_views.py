"""The blocklist on the desk: versions, sources, subscriptions, a URL check, appeals."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from karpear.blocklist.models import Appeal, AppealStatus
from karpear.blocklist.services import appeal_outcome, check_url, list_summary
from karpear.core.errors import ApplicationError
from karpear.desk.access import desk_view
from karpear.staff.models import Role, StaffMember

LIST_KEEPERS = (Role.LEAD, Role.ADMIN)


@desk_view(*LIST_KEEPERS)
def blocklist(request: HttpRequest, member: StaffMember) -> HttpResponse:
    org = member.organisation
    context: dict[str, object] = {
        **list_summary(org),
        "appeals": Appeal.objects.filter(organisation=org).select_related("source")[:100],
        "outcomes": [AppealStatus.KEPT, AppealStatus.REMOVED],
        "check_url": "",
    }
    url = str(request.GET.get("url", ""))[:2048]
    if url:
        context["check_url"] = url
        try:
            context["check_hit"] = check_url(org, url)
            context["checked"] = True
        except ApplicationError as exc:
            context["check_error"] = exc.message
    return render(request, "desk/blocklist.html", context)


@require_POST
@desk_view(*LIST_KEEPERS)
def appeal_decide(request: HttpRequest, member: StaffMember, appeal_id: int) -> HttpResponse:
    try:
        appeal_outcome(
            organisation=member.organisation,
            appeal_id=appeal_id,
            outcome=str(request.POST.get("outcome", "")),
            note=str(request.POST.get("note", "")),
            actor=member.user,
        )
        messages.success(request, _("The source's decision is recorded."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("desk:blocklist")
