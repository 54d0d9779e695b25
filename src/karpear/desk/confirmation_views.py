"""Four eyes on the desk (issue #16, item 14): a second analyst confirms or rejects a removal or
ban another analyst asked for. Thin: the rules live in `cases.confirmation`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from karpear.cases import services as case_services
from karpear.desk.access import CASE_WORK, desk_view, int_or_none
from karpear.desk.views import _act
from karpear.staff.models import StaffMember


@require_POST
@desk_view(*CASE_WORK)
def case_confirmation(request: HttpRequest, member: StaffMember, case_id: int) -> HttpResponse:
    def action(case: Any, version: int) -> Any:
        return case_services.confirmation_answer(
            case=case,
            member=member,
            pending_id=int_or_none(request.POST.get("pending")) or 0,
            confirm=request.POST.get("answer") == "confirm",
            reason=str(request.POST.get("reason", "")),
            expected_version=version,
            request=request,
        )

    return _act(request, member, case_id, action)
