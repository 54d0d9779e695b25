"""The audit log on the desk: safeguarding lead and administrator only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render

from karpear.audit.selectors import AuditFilter, audit_csv, audit_entries
from karpear.audit.services import audit_record
from karpear.core.dates import parse_day
from karpear.desk.access import AUDIT_READERS, desk_view
from karpear.staff.models import StaffMember


@desk_view(*AUDIT_READERS)
def audit_log(request: HttpRequest, member: StaffMember) -> HttpResponseBase:
    filters = AuditFilter(
        action=request.GET.get("action", "")[:64],
        actor=request.GET.get("actor", "")[:150],
        object_id=request.GET.get("object", "")[:64],
        since=parse_day(request.GET.get("since")),  # an impossible day is no filter, not a 500
        until=parse_day(request.GET.get("until")),
    )
    entries = audit_entries(organisation=member.organisation, filters=filters)
    if request.GET.get("format") == "csv":
        audit_record(
            action="audit_export",
            organisation=member.organisation,
            actor=member.user,
            detail={"filters": filters.__dict__},
            request=request,
        )
        response = StreamingHttpResponse(audit_csv(entries), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="karpear-audit.csv"'
        return response
    return render(request, "desk/audit.html", {"entries": entries[:200], "filters": filters})
