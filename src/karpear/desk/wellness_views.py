"""Well-being support for desk staff (guidelines 2.6 b; issue #16, item 15)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from karpear.desk.access import EVERY_ROLE, desk_view
from karpear.staff.models import StaffMember


@desk_view(*EVERY_ROLE)
def wellbeing(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """Where the break reminder links: the exposure count, the support contact, and when support
    was last offered on the personnel register (a date only, never health details)."""
    record = getattr(member, "personnel", None)
    return render(
        request,
        "desk/wellbeing.html",
        {
            "contact": settings.KARPEAR_WELLBEING_CONTACT,
            "offered_on": getattr(record, "wellness_support_offered_on", None),
            "threshold": settings.KARPEAR_EXPOSURE_BREAK_MINUTES,
        },
    )
