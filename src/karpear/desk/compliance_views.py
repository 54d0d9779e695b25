"""The compliance workspace on the desk (issue #8): thin views over karpear.compliance."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from karpear.compliance import policies, reports, services
from karpear.compliance.frameworks import AGE_BANDS, PROFILE_FLAGS, frameworks
from karpear.compliance.live import FIGURE_LABELS, STATUS_LABELS, suggested_profile
from karpear.compliance.models import PolicyKind
from karpear.core import signing
from karpear.core.errors import ApplicationError
from karpear.desk.access import desk_view, int_or_none
from karpear.staff.models import Role, StaffMember

READERS = (Role.COMPLIANCE, Role.LEAD, Role.ADMIN)
WRITERS = (Role.COMPLIANCE,)

PROFILE_LABELS = {
    "isp": gettext_lazy("We are an ISP or mobile operator"),
    "hosts_user_content": gettext_lazy("Our services host content that users post"),
    "url_blocking": gettext_lazy("We block or filter URLs"),
    "used_by_children": gettext_lazy("Children may use or reach our services"),
    "targets_children": gettext_lazy("Some services are made for children"),
    "parental_controls": gettext_lazy("We provide or promote parental controls"),
    "connected_devices": gettext_lazy("We make connected toys or devices"),
}


@desk_view(*READERS)
def home(request: HttpRequest, member: StaffMember) -> HttpResponse:
    org = member.organisation
    public_key = signing.public_key_b64(services.signing_context(org))
    suggested = suggested_profile(org)
    return render(
        request,
        "desk/compliance/home.html",
        {
            "reminders": services.reminders(org),
            "assessments": services.assessment_list(org),
            "frameworks": list(frameworks().values()),
            "products": services.products(org),
            "profile_flags": [
                (f, PROFILE_LABELS[f], suggested.get(f, False)) for f in PROFILE_FLAGS
            ],
            "policies": services.adopted_policies(org),
            "public_key": public_key,
            "key_id": signing.key_id(public_key),
            "can_write": member.role == Role.COMPLIANCE,
        },
    )


@require_POST
@desk_view(*WRITERS)
def start(request: HttpRequest, member: StaffMember) -> HttpResponse:
    try:
        assessment = services.assessment_start(
            member=member,
            framework_id=str(request.POST.get("framework", "")),
            profile={flag: request.POST.get(flag) == "on" for flag in PROFILE_FLAGS},
            product_id=int_or_none(request.POST.get("product")),
            reassess_months=int_or_none(request.POST.get("reassess_months")),
            request=request,
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("desk:compliance")
    return redirect("desk:assessment", assessment_id=assessment.pk)


@require_POST
@desk_view(*WRITERS)
def product_add(request: HttpRequest, member: StaffMember) -> HttpResponse:
    try:
        services.product_add(
            member=member,
            name=str(request.POST.get("name", "")),
            description=str(request.POST.get("description", "")),
        )
        messages.success(request, _("The product is listed."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("desk:compliance")


def _assessment(member: StaffMember, assessment_id: int) -> Any:
    try:
        return services.get_assessment(
            organisation=member.organisation, assessment_id=assessment_id
        )
    except ApplicationError as exc:
        raise Http404(str(exc.message)) from exc


@desk_view(*READERS)
def assessment(request: HttpRequest, member: StaffMember, assessment_id: int) -> HttpResponse:
    found = _assessment(member, assessment_id)
    return render(
        request,
        "desk/compliance/assessment.html",
        {
            "view": services.overview(found),
            "can_write": member.role == Role.COMPLIANCE and not found.is_frozen,
            "status_labels": STATUS_LABELS,
        },
    )


def _item_context(member: StaffMember, found: Any, ref: str) -> dict[str, Any]:
    try:
        row = services.item_row(found, ref)
    except ApplicationError as exc:
        raise Http404(str(exc.message)) from exc
    figures = []
    if row.live is not None:
        figures = [(FIGURE_LABELS.get(k, k), v) for k, v in row.live.figures.items()]
    return {
        "assessment": found,
        "framework_title": services.framework_title(found),
        "row": row,
        "figures": figures,
        "status_labels": STATUS_LABELS,
        "history": services.answer_history(found, ref),
        "bands": AGE_BANDS,
        "likelihoods": range(5),
        "severities": range(1, 5),
        "can_write": member.role == Role.COMPLIANCE and not found.is_frozen,
        "initial": _initial(row.answer),
        "errors": {},
    }


def _initial(answer: Any) -> dict[str, Any]:
    """The form's starting values: the current answer, as the fields name them."""
    if answer is None:
        return {}
    value = answer.value
    initial: dict[str, Any] = {
        "choice": "na" if answer.not_applicable else (value if isinstance(value, str) else ""),
        "value": "" if isinstance(value, dict) or value is None else value,
        "not_applicable": answer.not_applicable,
        "reason": answer.reason,
        "note": answer.note,
        "action": answer.action,
        "owner": answer.action_owner,
        "due": answer.action_due.isoformat() if answer.action_due else "",
        "done_on": answer.action_done_on.isoformat() if answer.action_done_on else "",
        "link": answer.link,
    }
    if isinstance(value, dict):
        for band, rating in value.items():
            initial[f"likelihood_{band}"] = str(rating.get("likelihood", ""))
            initial[f"severity_{band}"] = str(rating.get("severity", ""))
    return initial


def _answer_input(post: Any) -> services.AnswerInput:
    value: Any = post.get("value", "")
    if post.get("answer_type") == "risk":
        value = {
            band: {
                "likelihood": post.get(f"likelihood_{band}", ""),
                "severity": post.get(f"severity_{band}", ""),
            }
            for band in AGE_BANDS
        }
    return services.AnswerInput(
        choice=str(post.get("choice", "")),
        value=value,
        not_applicable=post.get("not_applicable") == "on",
        reason=str(post.get("reason", "")),
        note=str(post.get("note", "")),
        action=str(post.get("action", "")),
        owner=str(post.get("owner", "")),
        due=str(post.get("due", "")),
        done_on=str(post.get("done_on", "")),
        link=str(post.get("link", "")),
    )


@desk_view(*READERS, post=WRITERS)
def item(request: HttpRequest, member: StaffMember, assessment_id: int, ref: str) -> HttpResponse:
    found = _assessment(member, assessment_id)
    if request.method == "POST":
        try:
            services.answer_save(
                member=member,
                assessment_id=found.pk,
                ref=ref,
                data=_answer_input(request.POST),
                request=request,
            )
            messages.success(request, _("The answer is saved."))
            return redirect("desk:assessment", assessment_id=found.pk)
        except ApplicationError as exc:
            if exc.status == 404:
                raise Http404(str(exc.message)) from exc
            context = _item_context(member, found, ref)
            context["initial"] = {
                **request.POST.dict(),
                "not_applicable": request.POST.get("not_applicable") == "on",
            }
            context["errors"] = exc.fields
            context["error"] = exc.message
            return render(request, "desk/compliance/item.html", context, status=exc.status)
    return render(request, "desk/compliance/item.html", _item_context(member, found, ref))


@require_POST
@desk_view(*WRITERS)
def file_attach(
    request: HttpRequest, member: StaffMember, assessment_id: int, ref: str
) -> HttpResponse:
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ApplicationError(_("Choose a file to attach."))
        services.file_attach(
            member=member,
            assessment_id=assessment_id,
            ref=ref,
            name=upload.name or "file",
            content_type=upload.content_type or "",
            data=upload.read(services.MAX_FILE_BYTES + 1),
            request=request,
        )
        messages.success(request, _("The file is attached."))
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404(str(exc.message)) from exc
        messages.error(request, str(exc.message))
    return redirect("desk:assessment_item", assessment_id=assessment_id, ref=ref)


@desk_view(*READERS)
def file_download(request: HttpRequest, member: StaffMember, file_id: int) -> HttpResponse:
    try:
        attached = services.get_file(organisation=member.organisation, file_id=file_id)
    except ApplicationError as exc:
        raise Http404(str(exc.message)) from exc
    response = HttpResponse(bytes(attached.data), content_type=attached.content_type)
    response["Content-Disposition"] = f'attachment; filename="{attached.name}"'
    return response


@require_POST
@desk_view(*WRITERS)
def sign_off(request: HttpRequest, member: StaffMember, assessment_id: int) -> HttpResponse:
    try:
        services.assessment_sign_off(
            member=member,
            assessment_id=assessment_id,
            name=str(request.POST.get("name", "")),
            title=str(request.POST.get("title", "")),
            request=request,
        )
        messages.success(request, _("The assessment is signed off and frozen."))
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404(str(exc.message)) from exc
        messages.error(request, str(exc.message))
    return redirect("desk:assessment", assessment_id=assessment_id)


@desk_view(*READERS)
def report(request: HttpRequest, member: StaffMember, assessment_id: int) -> HttpResponse:
    found = _assessment(member, assessment_id)
    return render(request, "compliance/report.html", reports.report_context(found))


@desk_view(*READERS)
def report_pdf(request: HttpRequest, member: StaffMember, assessment_id: int) -> HttpResponse:
    found = _assessment(member, assessment_id)
    pdf = reports.report_pdf(found, request=request, actor=member.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"karpear-{found.framework_id}-{found.pk}-{get_language()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@desk_view(*READERS)
def package(request: HttpRequest, member: StaffMember, assessment_id: int) -> HttpResponse:
    found = _assessment(member, assessment_id)
    try:
        envelope = services.package_signed(found, request=request, actor=member.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("desk:assessment", assessment_id=found.pk)
    response = HttpResponse(
        json.dumps(envelope, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="karpear-{found.framework_id}-{found.pk}.json"'
    )
    return response


@desk_view(*READERS, post=WRITERS)
def policy_list(request: HttpRequest, member: StaffMember) -> HttpResponse:
    org = member.organisation
    if request.method == "POST":
        try:
            doc = policies.policy_adopt(
                member=member,
                kind=str(request.POST.get("kind", "")),
                body_en=str(request.POST.get("body_en", "")),
                body_km=str(request.POST.get("body_km", "")),
                request=request,
            )
            messages.success(request, _("Version %(v)s is adopted.") % {"v": doc.version})
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        return redirect("desk:compliance_policies")
    drafts = policies.policy_draft(org)
    adopted = services.adopted_policies(org)
    return render(
        request,
        "desk/compliance/policies.html",
        {
            "policies": [
                (kind, label, drafts[kind], adopted.get(kind)) for kind, label in PolicyKind.choices
            ],
            "can_write": member.role == Role.COMPLIANCE,
        },
    )
