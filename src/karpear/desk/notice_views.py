"""Notices and the platform link on the desk."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from karpear.desk.access import CASE_WORK, desk_view, int_or_none
from karpear.desk.notice_forms import ManualNoticeForm
from karpear.notices.models import Action
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


@desk_view(*CASE_WORK)
def notice_new(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """Enter a notice that came by letter or e-mail; acted on exactly as an API notice."""
    from karpear.notices.services import NoticeConflict, issuers, notice_receive

    issuers(member.organisation)
    form = ManualNoticeForm(
        request.POST or None, request.FILES or None, organisation=member.organisation
    )
    if request.method == "POST" and form.is_valid():
        try:
            _notice, created = notice_receive(
                issuer=form.cleaned_data["issuer"],
                issuer_reference=form.cleaned_data["issuer_reference"],
                legal_basis=form.cleaned_data["legal_basis"],
                items=form.cleaned_data["items"],
                actions=[Action(a) for a in form.cleaned_data["actions"]],
                deadline=None,
                channel="desk",
                scan=form.cleaned_data["scan"],
                entered_by=member.user,
            )
        except NoticeConflict as exc:
            # Same reference, other items or terms: nothing was done (issue #15, item 5).
            form.add_error("issuer_reference", str(exc.message))
            return render(request, "desk/notice_new.html", {"form": form}, status=409)
        messages.success(
            request,
            _("Notice recorded and acted on.")
            if created
            else _("This notice was already recorded; nothing was done twice."),
        )
        return redirect("desk:notices")
    return render(
        request, "desk/notice_new.html", {"form": form}, status=400 if form.errors else 200
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
