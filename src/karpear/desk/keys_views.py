"""Keyboard work on the desk (issue #16, item 12): "next case" as a plain link, so the shortcut
works with the keyboard alone, with or without the small script that adds single keys."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from karpear.cases.selectors import next_case
from karpear.desk.access import CASE_WORK, desk_view, int_or_none
from karpear.staff.models import StaffMember


@desk_view(*CASE_WORK)
def case_next(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """Open the most urgent case nobody else has taken (the one being left excepted)."""
    case = next_case(
        organisation=member.organisation,
        user_id=member.user_id,
        skip=int_or_none(request.GET.get("from")),
    )
    if case is None:
        messages.info(request, _("No other open case is waiting for you."))
        return redirect("desk:queue")
    return redirect("desk:case", case_id=case.pk)
