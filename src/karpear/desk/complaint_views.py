"""Complaints about decisions on the desk: the queue with its review times, and the review."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from karpear.complaints.models import ComplaintStatus
from karpear.complaints.selectors import complaint_queue, overdue_count
from karpear.complaints.services import (
    access_complaint,
    complaint_decide,
    complaint_reason,
    may_review,
)
from karpear.core.errors import ApplicationError
from karpear.desk.access import CASE_WORK, desk_view
from karpear.staff.models import StaffMember


@desk_view(*CASE_WORK)
def complaints(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """Open complaints first, soonest due first; the review time is a setting (SLA)."""
    return render(
        request,
        "desk/complaints.html",
        {
            "complaints": complaint_queue(member.organisation)[:200],
            "now": timezone.now(),
            "review_hours": settings.KARPEAR_COMPLAINT_REVIEW_HOURS,
            "overdue": overdue_count(member.organisation),
        },
    )


@desk_view(*CASE_WORK)
def complaint(request: HttpRequest, member: StaffMember, complaint_id: int) -> HttpResponse:
    """One complaint and, for anyone but the person who decided, the review form."""
    if request.method == "POST":
        try:
            complaint_decide(
                member=member,
                complaint_id=complaint_id,
                outcome=str(request.POST.get("outcome", "")),  # type: ignore[arg-type]
                reason=str(request.POST.get("reason", "")),
                request=request,
            )
            messages.success(request, _("The outcome is recorded and sent to the platform."))
            return redirect("desk:complaint", complaint_id=complaint_id)
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            error: object = exc.message
            status = exc.status
    else:
        error, status = None, 200
    found = access_complaint(member=member, complaint_id=complaint_id, request=request)
    context = {
        "complaint": found,
        "reason": complaint_reason(found),
        "decision": found.decision,
        "may_review": found.is_open and may_review(member, found),
        "outcomes": [ComplaintStatus.UPHELD, ComplaintStatus.REVERSED],
        "now": timezone.now(),
        "error": error,
        "posted": request.POST,
    }
    return render(request, "desk/complaint.html", context, status=status)
