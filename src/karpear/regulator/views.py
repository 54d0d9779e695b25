"""The regulator's desk (issue #20): thin views over karpear.regulator's services.

Every view is for regulator roles only (desk_view); a company's staff get 403, as the
regulator's staff do on every company page.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from karpear.core.dates import parse_day
from karpear.core.errors import ApplicationError
from karpear.core.guards import check_json_file
from karpear.core.show_once import hold_once, take_once
from karpear.desk.access import desk_view
from karpear.regulator import registry, rfi
from karpear.regulator.common import KEEPERS, READERS, REVIEWERS, access_company, access_key
from karpear.regulator.dashboard import SORTS, STATUSES, dashboard, dashboard_csv
from karpear.regulator.models import (
    Channel,
    RegisteredCompany,
    ReportingPeriod,
    Sector,
    Size,
    Submission,
)
from karpear.regulator.receipt import max_bytes, submission_receive
from karpear.staff.models import StaffMember
from karpear.transparency.charts import bars


def _fail(request: HttpRequest, exc: ApplicationError, *, not_found: bool = True) -> None:
    if exc.status == 404 and not_found:
        raise Http404(str(exc.message)) from exc
    text = str(exc.message)
    if exc.fields:
        text += " " + "; ".join(f"{k}: {' '.join(v)}" for k, v in list(exc.fields.items())[:5])
    messages.error(request, text)


@desk_view(*READERS)
def home(request: HttpRequest, member: StaffMember) -> HttpResponse:
    view = dashboard(
        member.organisation,
        period_label=request.GET.get("period", ""),
        sector=request.GET.get("sector", ""),
        size=request.GET.get("size", ""),
        sort=request.GET.get("sort", "name"),
    )
    if request.GET.get("format") == "csv":
        response = HttpResponse(dashboard_csv(view), content_type="text/csv; charset=utf-8")
        label = view.period.label if view.period else "none"
        response["Content-Disposition"] = f'attachment; filename="sector-{label}.csv"'
        return response
    meets = [(ref, c["yes"] + c["na"]) for ref, c in view.items]
    return render(
        request,
        "desk/regulator/home.html",
        {
            "view": view,
            "sectors": Sector.choices,
            "sizes": Size.choices,
            "sorts": SORTS,
            "chosen": request.GET,
            "status_chart": bars([(str(STATUSES[s]), n) for s, n in view.status_counts.items()]),
            "item_chart": bars(meets),
            "can_keep": member.role in KEEPERS,
            "due_default": (timezone.localdate() + timedelta(days=90)).isoformat(),
        },
    )


@desk_view(*READERS)
def companies(request: HttpRequest, member: StaffMember) -> HttpResponse:
    return render(
        request,
        "desk/regulator/companies.html",
        {
            "companies": list(RegisteredCompany.objects.filter(regulator=member.organisation)),
            "sectors": Sector.choices,
            "sizes": Size.choices,
            "can_keep": member.role in KEEPERS,
        },
    )


@require_POST
@desk_view(*KEEPERS)
def company_add(request: HttpRequest, member: StaffMember) -> HttpResponse:
    try:
        company = registry.company_register(
            member=member,
            name=request.POST.get("name", ""),
            name_km=request.POST.get("name_km", ""),
            slug=request.POST.get("slug", "").strip(),
            licence_number=request.POST.get("licence_number", ""),
            sector=request.POST.get("sector", ""),
            size=request.POST.get("size", ""),
            request=request,
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("desk:regulator_companies")
    messages.success(request, _("The company is registered. Register its package key next."))
    return redirect("desk:regulator_company", company_id=company.pk)


# A submission key just issued, shown once on its company's page (core/show_once.py).
_HELD = "regulator_token"


@desk_view(*READERS)
def company(request: HttpRequest, member: StaffMember, company_id: int) -> HttpResponse:
    try:
        found = access_company(regulator=member.organisation, company_id=company_id)
    except ApplicationError as exc:
        raise Http404(str(exc.message)) from exc
    held = take_once(request, _HELD, shown={found.pk})
    return render(
        request,
        "desk/regulator/company.html",
        {
            "company": found,
            "keys": list(found.keys.all()),
            "submissions": list(
                Submission.objects.filter(company=found)
                .select_related("period")
                .defer("envelope", "transparency")[:50]
            ),
            "requests": rfi.rfis_for(found),
            "today": timezone.localdate(),
            "can_keep": member.role in KEEPERS,
            "me": member.user_id,
            "can_ask": member.role in REVIEWERS,
            "due_default": (timezone.localdate() + timedelta(days=14)).isoformat(),
            "token": held[1] if held else None,
        },
    )


@require_POST
@desk_view(*KEEPERS)
def key_add(request: HttpRequest, member: StaffMember, company_id: int) -> HttpResponse:
    try:
        found = access_company(regulator=member.organisation, company_id=company_id)
        registry.key_register(
            member=member,
            company=found,
            public_key=request.POST.get("public_key", ""),
            request=request,
        )
        messages.success(
            request,
            _(
                "The key is registered. It verifies packages once another head of unit or "
                "administrator confirms it; earlier keys then retire after the overlap."
            ),
        )
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("desk:regulator_company", company_id=company_id)


@require_POST
@desk_view(*KEEPERS)
def key_confirm(request: HttpRequest, member: StaffMember, key_id: int) -> HttpResponse:
    try:
        key = access_key(regulator=member.organisation, key_id=key_id)
    except ApplicationError as exc:
        raise Http404(str(exc.message)) from exc
    try:
        registry.key_confirm(member=member, key_id=key.pk, request=request)
        messages.success(request, _("The key is confirmed: packages signed with it now verify."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("desk:regulator_company", company_id=key.company_id)


@require_POST
@desk_view(*KEEPERS)
def key_revoke(request: HttpRequest, member: StaffMember, key_id: int) -> HttpResponse:
    try:
        key = registry.key_revoke(member=member, key_id=key_id, request=request)
    except ApplicationError as exc:
        raise Http404(str(exc.message)) from exc
    messages.success(request, _("The key is revoked."))
    return redirect("desk:regulator_company", company_id=key.company_id)


@require_POST
@desk_view(*KEEPERS)
def token_issue(request: HttpRequest, member: StaffMember, company_id: int) -> HttpResponse:
    try:
        found = access_company(regulator=member.organisation, company_id=company_id)
        token = registry.submission_key_issue(member=member, company=found, request=request)
        hold_once(request, _HELD, about=found.pk, secret=token)
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("desk:regulator_company", company_id=company_id)


@require_POST
@desk_view(*KEEPERS)
def period_set(request: HttpRequest, member: StaffMember) -> HttpResponse:
    due = parse_day(request.POST.get("due"))
    try:
        if due is None:
            raise ApplicationError(_("Enter a date as YYYY-MM-DD."))
        registry.period_define(
            member=member, label=request.POST.get("label", "").strip(), due=due, request=request
        )
        messages.success(request, _("The reporting period is saved."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("desk:regulator")


@desk_view(*READERS, post=tuple(REVIEWERS))
def upload(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """A company without Karpear uploads the same JSON (docs/compliance-package.schema.json)."""
    regulator = member.organisation
    # Only the names to choose from: not the dashboard, which reads every submission.
    context: dict[str, object] = {
        "companies": list(RegisteredCompany.objects.filter(regulator=regulator)),
        "periods": list(ReportingPeriod.objects.filter(regulator=regulator)),
    }
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            found = access_company(
                regulator=regulator, company_id=int(request.POST.get("company") or 0)
            )
            if upload is None or upload.size is None or upload.size > max_bytes():
                raise ApplicationError(_("Choose the package file (JSON, at most 2 MB)."))
            raw = upload.read(max_bytes() + 1)
            check_json_file(raw)  # too deep for the parser, or a NUL the database refuses
            try:
                body = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                raise ApplicationError(_("The file is not JSON."), code="malformed") from exc
            envelope = body.get("package", body) if isinstance(body, dict) else body
            transparency = body.get("transparency") if isinstance(body, dict) else None
            submission, created = submission_receive(
                company=found,
                period_label=request.POST.get("period", ""),
                envelope=envelope,
                transparency=transparency,
                channel=Channel.UPLOAD,
                actor=member.user,
                request=request,
            )
            messages.success(
                request,
                _("The package is verified and stored.")
                if created
                else _("This package was already received."),
            )
            return redirect("desk:regulator_submission", submission_id=submission.pk)
        except (ApplicationError, ValueError) as exc:
            if isinstance(exc, ApplicationError):
                context["refusal"] = exc
            else:
                context["refusal"] = ApplicationError(_("Choose a company."))
    return render(request, "desk/regulator/upload.html", context)


@desk_view(*READERS)
def submission(request: HttpRequest, member: StaffMember, submission_id: int) -> HttpResponse:
    found = (
        Submission.objects.filter(company__regulator=member.organisation, pk=submission_id)
        .select_related("company", "period", "key")
        .first()
    )
    if found is None:
        raise Http404
    payload = found.envelope.get("payload", {})
    return render(
        request,
        "desk/regulator/submission.html",
        {
            "submission": found,
            "payload": payload,
            "answers": payload.get("answers", []),
            "can_ask": member.role in REVIEWERS,
            "due_default": (timezone.localdate() + timedelta(days=14)).isoformat(),
        },
    )


@require_POST
@desk_view(*REVIEWERS)
def request_send(request: HttpRequest, member: StaffMember) -> HttpResponse:
    company_id = (
        int(request.POST.get("company") or 0) if request.POST.get("company", "").isdigit() else 0
    )
    deadline = parse_day(request.POST.get("deadline"))
    try:
        if deadline is None:
            raise ApplicationError(_("Enter a date as YYYY-MM-DD."))
        submission_id = request.POST.get("submission", "")
        sent = rfi.rfi_send(
            member=member,
            company_id=company_id,
            question=request.POST.get("question", ""),
            deadline=deadline,
            submission_id=int(submission_id) if submission_id.isdigit() else None,
            item_ref=request.POST.get("item_ref", ""),
            request=request,
        )
    except ApplicationError as exc:
        _fail(request, exc, not_found=False)
        if exc.status == 404:
            return redirect("desk:regulator")
        return redirect("desk:regulator_company", company_id=company_id)
    messages.success(request, _("The request for information is sent."))
    return redirect("desk:regulator_request", rfi_id=sent.pk)


@desk_view(*READERS)
def request_detail(request: HttpRequest, member: StaffMember, rfi_id: int) -> HttpResponse:
    try:
        found = rfi.access_rfi(regulator=member.organisation, rfi_id=rfi_id)
    except ApplicationError as exc:
        raise Http404(str(exc.message)) from exc
    return render(
        request,
        "desk/regulator/request.html",
        {
            "rfi": found,
            "files": list(found.files.defer("data")),
            "overdue": rfi.is_overdue(found.deadline, found.answered_at),
        },
    )


@desk_view(*READERS)
def answer_file(request: HttpRequest, member: StaffMember, file_id: int) -> HttpResponse:
    try:
        found = rfi.access_answer_file(regulator=member.organisation, file_id=file_id)
    except ApplicationError as exc:
        raise Http404(str(exc.message)) from exc
    response = HttpResponse(bytes(found.data), content_type=found.content_type)
    response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response
