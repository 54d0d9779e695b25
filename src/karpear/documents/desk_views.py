"""Desk pages of the documents: versions with their readability, and the form that adopts a
new version from a fresh draft or the current text (issue #18, items 5-6)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from karpear.core.errors import ApplicationError
from karpear.desk.access import desk_view
from karpear.documents.models import AUDIENCES, DocumentKind
from karpear.documents.readability import TARGETS
from karpear.documents.services import (
    LANGUAGES,
    WRITERS,
    document_adopt,
    document_draft,
    published,
)
from karpear.staff.models import Role, StaffMember

READERS = (Role.LEAD, Role.COMPLIANCE, Role.ADMIN)


@desk_view(*READERS)
def documents(request: HttpRequest, member: StaffMember) -> HttpResponse:
    versions = published(member.organisation)
    return render(
        request,
        "documents/desk.html",
        {
            "kinds": [
                (kind, label, [v for v in versions if v.kind == kind])
                for kind, label in DocumentKind.choices
            ],
            "audiences": AUDIENCES,
            "languages": LANGUAGES,
            "targets": TARGETS,
            "can_write": member.role in WRITERS,
        },
    )


@desk_view(*READERS, post=WRITERS)
def document_edit(request: HttpRequest, member: StaffMember, kind: str) -> HttpResponse:
    if kind not in DocumentKind.values:
        raise Http404
    if request.method == "POST":
        posted = {
            a: {lang: str(request.POST.get(f"{a}_{lang}", "")) for lang in LANGUAGES}
            for a in AUDIENCES
        }
        try:
            doc = document_adopt(member=member, kind=kind, texts=posted, request=request)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            return redirect("desk:document_edit", kind=kind)
        messages.success(request, _("Version %(v)s is adopted and published.") % {"v": doc.version})
        return redirect("desk:documents")
    current = published(member.organisation, kind)
    texts: dict[str, dict[str, str]] | None = (
        current[0].texts if current and request.GET.get("from") != "draft" else None
    )
    return render(
        request,
        "documents/edit.html",
        {
            "kind": kind,
            "label": DocumentKind(kind).label,
            "texts": texts or document_draft(member.organisation, kind),
            "from_draft": texts is None,
            "audiences": AUDIENCES,
            "languages": LANGUAGES,
            "can_write": member.role in WRITERS,
        },
    )
