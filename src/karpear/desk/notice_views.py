"""Notices and the platform link on the desk."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from karpear.desk.access import CASE_WORK, desk_view, int_or_none
from karpear.notices.selectors import recent_notices
from karpear.platformlink.services import dead_letter_retry, dead_letters
from karpear.staff.models import Role, StaffMember


@desk_view(*CASE_WORK)
def notices(request: HttpRequest, member: StaffMember) -> HttpResponse:
    return render(
        request,
        "desk/notices.html",
        {
            "notices": recent_notices(member.organisation),
            "now": timezone.now(),
            "ack_seconds": settings.KARPEAR_NOTICE_ACT_SECONDS,
        },
    )


@desk_view(Role.LEAD, Role.ADMIN)
def webhooks(request: HttpRequest, member: StaffMember) -> HttpResponse:
    return render(request, "desk/webhooks.html", {"dead": dead_letters(member.organisation)})


@require_POST
@desk_view(Role.LEAD, Role.ADMIN)
def webhook_retry(request: HttpRequest, member: StaffMember) -> HttpResponse:
    event_id = int_or_none(request.POST.get("event"))
    if event_id:
        dead_letter_retry(organisation=member.organisation, event_id=event_id, actor=member.user)
    return redirect("desk:webhooks")
