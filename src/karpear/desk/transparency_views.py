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
from karpear.desk.access import desk_view
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


def _section_label(heading: str) -> str:
    return {
        "policies": _("Policies and practices"),
        "processes": _("Processes and systems"),
        "outcomes": _("Outcomes"),
    }[heading]


def _sections(values: Any, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The narrative fields as the template shows them: label, name, value and that field's own
    errors, so nothing is ever filled with a field's name or a message spelled out letter by
    letter (issue #16, item 5)."""
    return [
        {
            "label": _section_label(heading),
            "fields": [
                {
                    "name": f"{heading}_{lang}",
                    "lang": lang,
                    "label": _("Khmer") if lang == "km" else _("English"),
                    "value": str(values.get(f"{heading}_{lang}", "")),
                    "errors": errors.get(f"{heading}_{lang}", []),
                }
                for lang in ("km", "en")
            ],
        }
        for heading in services.HEADINGS
    ]


def _narrative(post: Any) -> dict[str, dict[str, str]]:
    return {
        h: {lang: str(post.get(f"{h}_{lang}", "")) for lang in services.LANGUAGES}
        for h in services.HEADINGS
    }


def _threshold(post: Any) -> int | None:
    raw = str(post.get("threshold") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 3:
        raise ApplicationError(
            _("Show small numbers as 'fewer than' a threshold between 2 and 100."),
            fields={"threshold": [str(_("Choose a number between 2 and 100."))]},
        )
    return int(raw)


@desk_view(*READERS, post=(Role.COMPLIANCE,))
def transparency(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """GET: figures and an empty narrative. POST: check and show the preview; POST with
    `confirm`: publish exactly what was previewed."""
    org = member.organisation
    start, end = _period(request)
    values: Any = {}
    errors: dict[str, list[str]] = {}
    context: dict[str, Any] = {
        "start": start,
        "end": end,
        "published": services.published(org),
        "can_write": member.role == Role.COMPLIANCE,
        "threshold": services.default_threshold(),
        "change_note": "",
    }
    if request.method == "POST" and "edit" not in request.POST:
        values = request.POST
        try:
            arguments: dict[str, Any] = {
                "member": member,
                "start": start,
                "end": end,
                "narrative": _narrative(request.POST),
                "change_note": str(request.POST.get("change_note", "")),
                "threshold": _threshold(request.POST),
            }
            if request.POST.get("confirm") == "1":
                report = services.report_publish(**arguments, request=request)
                messages.success(request, _("The report is published."))
                return redirect("transparency_report", report_id=report.pk)
            draft = services.publish_check(**arguments)
            context["draft"] = draft
            context["draft_sections"] = [
                (_section_label(h), draft.narrative[h]) for h in services.HEADINGS
            ]
            context["threshold"] = draft.threshold
        except ApplicationError as exc:
            context["error"] = exc.message
            errors = dict(exc.fields or {})
            context["threshold_errors"] = errors.get("threshold", [])
            context["change_note_errors"] = errors.get("change_note", [])
            context["period_errors"] = errors.get("period", [])
    elif request.method == "POST":
        values = request.POST
    if values:
        context["change_note"] = str(values.get("change_note", ""))
        context["threshold"] = values.get("threshold") or context["threshold"]
    context["sections"] = _sections(values, errors)
    try:
        figures = services.preview(org, start, end)  # type: ignore[arg-type]
        threshold = context["draft"].threshold if "draft" in context else None
        context["preview"] = services.public_figures(
            figures, threshold or services.default_threshold()
        )
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
