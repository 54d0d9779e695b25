"""Desk pages for safeguarding inside the company (issue #21, items 1-4).

Thin: parse, one service call, render. A service's ApplicationError becomes the desk's error
page (core.middleware.ApplicationErrorMiddleware); only the import's line list is shown here.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from karpear.desk.access import desk_view, int_or_none
from karpear.safeguarding import directory, documents, officers, selectors, training
from karpear.safeguarding.models import Course, Document, DocumentKind, Employee, Position
from karpear.staff.models import Role, StaffMember

READERS = (Role.ADMIN, Role.COMPLIANCE, Role.LEAD)
EDITORS = (Role.ADMIN,)
TRAINING_RECORDERS = (Role.ADMIN, Role.COMPLIANCE)


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value or ""))
    except ValueError:
        return None


def _directory_page(
    request: HttpRequest, member: StaffMember, *, refused: list[tuple[int, str]] | None = None
) -> HttpResponse:
    standing = training.training_standing(member.organisation)
    departed = Employee.objects.filter(
        organisation=member.organisation, left_on__isnull=False, erased_at__isnull=True
    ).order_by("left_on")
    return render(
        request,
        "safeguarding/directory.html",
        {
            "standing": standing,
            "departed": departed,
            "refused": refused,
            "columns": ", ".join(directory.COLUMNS),
            "courses": Course.choices,
            "today": timezone.localdate(),
            "may_edit": member.role in EDITORS,
            "may_record": member.role in TRAINING_RECORDERS,
        },
        status=400 if refused else 200,
    )


@never_cache
@desk_view(*READERS)
def staff_directory(request: HttpRequest, member: StaffMember) -> HttpResponse:
    return _directory_page(request, member)


@never_cache
@require_POST
@desk_view(*EDITORS)
def staff_import(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """A CSV file, or the same text pasted (works without file uploads); all lines or none."""
    upload = request.FILES.get("file")
    data = upload.read(directory.MAX_IMPORT_BYTES + 1) if upload else b""
    if not data:
        data = str(request.POST.get("csv", "")).encode("utf-8")
    try:
        result = directory.directory_import(
            organisation=member.organisation, data=data, actor=member, request=request
        )
    except directory.ImportRefused as exc:
        return _directory_page(request, member, refused=exc.lines)
    documents.invite_newcomers(member.organisation)
    messages.success(
        request,
        _("Imported: %(created)d added, %(updated)d updated, %(unchanged)d unchanged.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect("desk:safeguarding_staff")


@require_POST
@desk_view(*EDITORS)
def employee_edit(request: HttpRequest, member: StaffMember, employee_id: int) -> HttpResponse:
    directory.employee_update(
        actor=member,
        employee_id=employee_id,
        name=str(request.POST.get("name", "")),
        department=str(request.POST.get("department", "")),
        role_title=str(request.POST.get("role_title", "")),
        may_encounter_csam=request.POST.get("may_encounter_csam") == "on",
        works_with_children=request.POST.get("works_with_children") == "on",
        left_on=_date(request.POST.get("left_on")),
        request=request,
    )
    messages.success(request, _("Saved."))
    return redirect("desk:safeguarding_staff")


@require_POST
@desk_view(*TRAINING_RECORDERS)
def training_add(request: HttpRequest, member: StaffMember, employee_id: int) -> HttpResponse:
    training.training_record(
        actor=member,
        employee_id=employee_id,
        course=str(request.POST.get("course", "")),
        completed_on=_date(request.POST.get("completed_on")),
        provider=str(request.POST.get("provider", "")),
        expires_on=_date(request.POST.get("expires_on")),
        request=request,
    )
    messages.success(request, _("Training recorded."))
    return redirect("desk:safeguarding_staff")


@never_cache
@desk_view(*READERS, post=EDITORS)
def officer_page(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """The designated officer and deputy (checklist item 3), appointed by an administrator."""
    if request.method == "POST":
        appointed_on = _date(request.POST.get("appointed_on")) or timezone.localdate()
        officers.appoint(
            actor=member,
            position=str(request.POST.get("position", "")),
            member_id=int_or_none(request.POST.get("member")) or 0,
            appointed_on=appointed_on,
            mandate=str(request.POST.get("mandate", "")),
            request=request,
        )
        messages.success(request, _("Appointed."))
        return redirect("desk:safeguarding_officers")
    return render(
        request,
        "safeguarding/officers.html",
        {
            "current": officers.current_appointments(member.organisation),
            "positions": Position.choices,
            "staff": StaffMember.objects.filter(
                organisation=member.organisation, user__is_active=True
            ).select_related("user"),
            "may_appoint": member.role in EDITORS,
            "today": timezone.localdate(),
        },
    )


@never_cache
@desk_view(*READERS, post=documents.ADOPTERS)
def policy_page(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """Drafts from the settings, adoption as a version, and each version's acknowledgements."""
    if request.method == "POST":
        doc, sent = documents.document_adopt(
            member=member,
            kind=str(request.POST.get("kind", "")),
            body_en=str(request.POST.get("body_en", "")),
            body_km=str(request.POST.get("body_km", "")),
            request=request,
        )
        messages.success(
            request,
            _("Version %(version)d adopted; %(sent)d personal links sent.")
            % {"version": doc.version, "sent": sent},
        )
        return redirect("desk:safeguarding_policies")
    latest = documents.latest_documents(member.organisation)
    drafts = documents.document_draft(member.organisation)
    kinds = []
    for kind, label in DocumentKind.choices:
        version = latest.get(kind)
        status = selectors.acknowledgement_status(version) if version else None
        kinds.append(
            {
                "kind": kind,
                "label": label,
                "doc": version,
                "status": status,
                "body_en": version.body_en if version else drafts[kind]["en"],
                "body_km": version.body_km if version else drafts[kind]["km"],
            }
        )
    versions = Document.objects.filter(organisation=member.organisation).order_by(
        "kind", "-version"
    )
    return render(
        request,
        "safeguarding/policies.html",
        {
            "kinds": kinds,
            "versions": versions,
            "may_adopt": member.role in documents.ADOPTERS,
        },
    )


@never_cache
@desk_view(*READERS)
def policy_status(request: HttpRequest, member: StaffMember, document_id: int) -> HttpResponse:
    """Who has and has not acknowledged one version, per department."""
    doc = Document.objects.filter(pk=document_id, organisation=member.organisation).first()
    if doc is None:
        from django.http import Http404

        raise Http404
    done, asked, per = selectors.acknowledgement_status(doc)
    return render(
        request,
        "safeguarding/policy_status.html",
        {
            "doc": doc,
            "done": done,
            "asked": asked,
            "per": per,
            "pending": selectors.pending_people(doc),
        },
    )


@never_cache
@desk_view(*READERS)
def training_overdue(request: HttpRequest, member: StaffMember) -> HttpResponse:
    everyone = training.training_standing(member.organisation)
    return render(
        request,
        "safeguarding/training.html",
        {
            "standing": [s for s in everyone if s.overdue],
            "figures": training.figures_of(everyone),
            "expiring": training.expiring_soon(member.organisation),
            "courses": dict(Course.choices),
        },
    )
