"""The transparency report on the desk (issue #9): preview, write the narrative, publish, and
export the statements of reasons. Thin views over karpear.transparency."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from karpear.core.dates import parse_day
from karpear.core.errors import ApplicationError
from karpear.desk.access import desk_view, int_or_none
from karpear.staff.models import Role, StaffMember
from karpear.transparency import services
from karpear.transparency.figures import period_bounds
from karpear.transparency.statements import problems, statements

READERS = (Role.COMPLIANCE, Role.LEAD, Role.ADMIN)


def _period(request: HttpRequest) -> tuple[date | None, date | None]:
    today = timezone.localdate()
    source = request.POST if request.method == "POST" else request.GET
    start = parse_day(source.get("start")) if source.get("start") else date(today.year - 1, 1, 1)
    end = parse_day(source.get("end")) if source.get("end") else date(today.year - 1, 12, 31)
    return start, end


@desk_view(*READERS, post=(Role.COMPLIANCE,))
def transparency(request: HttpRequest, member: StaffMember) -> HttpResponse:
    org = member.organisation
    start, end = _period(request)
    context: dict[str, Any] = {
        "start": start,
        "end": end,
        "published": services.published(org),
        "can_write": member.role == Role.COMPLIANCE,
        "headings": services.HEADINGS,
        "form": {},
        "errors": {},
    }
    if request.method == "POST":
        narrative = {
            h: {lang: str(request.POST.get(f"{h}_{lang}", "")) for lang in services.LANGUAGES}
            for h in services.HEADINGS
        }
        try:
            report = services.report_publish(
                member=member,
                start=start,
                end=end,
                narrative=narrative,
                change_note=str(request.POST.get("change_note", "")),
                threshold=int_or_none(request.POST.get("threshold")) or None,
                request=request,
            )
            messages.success(request, _("The report is published."))
            return redirect("transparency_report", report_id=report.pk)
        except (ApplicationError, ValueError) as exc:
            context["error"] = getattr(exc, "message", _("Check the threshold."))
            context["errors"] = getattr(exc, "fields", {})
            context["form"] = request.POST
    try:
        figures = services.preview(org, start, end)  # type: ignore[arg-type]
        context["preview"] = services.public_figures(figures, services.default_threshold())
    except ApplicationError as exc:
        context["error"] = exc.message
    return render(
        request, "desk/transparency.html", context, status=400 if context.get("error") else 200
    )


@desk_view(Role.COMPLIANCE, Role.LEAD)
def statements_export(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """Statements of reasons for every decision in the period, as one JSON document."""
    start, end = _period(request)
    try:
        start, end = services.check_period(start, end)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("desk:transparency")
    since, until = period_bounds(start, end)
    rows = list(statements(member.organisation, since, until))
    body = {
        "format": "karpear-statements-of-reasons/1",
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "statements": rows,
        "invalid": [r["karpear"]["decision_id"] for r in rows if r["dsa"] and problems(r["dsa"])],
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="statements-{start}-{end}.json"'
    return response
