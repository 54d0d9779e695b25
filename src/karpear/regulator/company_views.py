"""The company's side on its Compliance page (issue #20, items 2 and 5): send the signed package
to the regulator, fetch and answer its requests for information. Compliance officer only."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from karpear.compliance.services import MAX_FILE_BYTES
from karpear.core.errors import ApplicationError
from karpear.desk.access import desk_view
from karpear.regulator import outbound
from karpear.regulator.rfi import MAX_FILES, FileIn
from karpear.staff.models import Role, StaffMember

WRITERS = (Role.COMPLIANCE,)


@require_POST
@desk_view(*WRITERS)
def submit(request: HttpRequest, member: StaffMember) -> HttpResponse:
    try:
        sent = outbound.submit(
            organisation=member.organisation,
            assessment_id=int(request.POST.get("assessment") or 0),
            member=member,
            request=request,
        )
    except (ApplicationError, ValueError) as exc:
        messages.error(request, str(getattr(exc, "message", _("Choose an assessment."))))
        return redirect("desk:compliance")
    if sent.accepted:
        messages.success(request, _("The regulator verified and received the package."))
    else:
        messages.error(
            request, _("The regulator refused the package: %(why)s") % {"why": sent.message}
        )
    return redirect("desk:compliance")


@require_POST
@desk_view(*WRITERS)
def pull(request: HttpRequest, member: StaffMember) -> HttpResponse:
    try:
        new = outbound.requests_pull(organisation=member.organisation)
        messages.success(request, _("New requests from the regulator: %(n)s") % {"n": new})
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("desk:compliance")


@require_POST
@desk_view(*WRITERS)
def answer(request: HttpRequest, member: StaffMember, received_id: int) -> HttpResponse:
    files = [
        FileIn(f.name or "file", f.content_type or "", f.read(MAX_FILE_BYTES + 1))
        for f in request.FILES.getlist("files")[: MAX_FILES + 1]
    ]
    try:
        outbound.request_answer(
            member=member,
            received_id=received_id,
            text=request.POST.get("answer", ""),
            files=files,
            request=request,
        )
        messages.success(request, _("Your answer is with the regulator."))
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404(str(exc.message)) from exc
        messages.error(request, str(exc.message))
    return redirect("desk:compliance")
