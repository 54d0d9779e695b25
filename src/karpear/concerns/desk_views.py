"""Concerns on the desk: only the safeguarding officer and deputy (checked and audited by the
services, whatever the desk role), every read audited (issue #21, items 5-7)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from karpear.concerns.models import ConcernStatus
from karpear.concerns.services import (
    MOVES,
    access_concern,
    concern_list,
    concern_reply,
    concern_transition,
    thread,
)
from karpear.desk.access import EVERY_ROLE, desk_view
from karpear.staff.models import StaffMember


@never_cache
@desk_view(*EVERY_ROLE)
def concerns(request: HttpRequest, member: StaffMember) -> HttpResponse:
    return render(
        request,
        "concerns/desk_list.html",
        {"concerns": concern_list(member=member, request=request), "now": timezone.now()},
    )


@never_cache
@desk_view(*EVERY_ROLE)
def concern(request: HttpRequest, member: StaffMember, concern_id: int) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") == "reply":
            concern_reply(
                member=member,
                concern_id=concern_id,
                body=str(request.POST.get("body", "")),
                request=request,
            )
            messages.success(request, _("Your reply is waiting for the person to read it."))
        else:
            concern_transition(
                member=member,
                concern_id=concern_id,
                to=str(request.POST.get("to", "")),
                reason=str(request.POST.get("reason", "")),
                request=request,
            )
            messages.success(request, _("Saved."))
        return redirect("desk:concern", concern_id=concern_id)
    found = access_concern(member=member, concern_id=concern_id, request=request)
    labels = dict(ConcernStatus.choices)
    return render(
        request,
        "concerns/desk_detail.html",
        {
            "concern": found,
            "messages_": thread(found),
            "steps": found.steps.select_related("actor__user").order_by("at", "pk"),
            "moves": [(m, labels[m]) for m in MOVES[found.status]],
            "now": timezone.now(),
        },
    )
