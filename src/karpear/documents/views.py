"""Public pages: every adopted version of the terms, code of conduct and privacy notice, full
and easy-read per age band, in Khmer at / and English at /en/ (issue #18, items 5-6). No script;
small; printable (site.css print rules)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from karpear.documents.models import AUDIENCES, DocumentKind
from karpear.documents.services import access_published, blocks, published
from karpear.orgs.services import current_organisation


def index(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    versions = published(org)
    kinds = [
        (kind, label, [v for v in versions if v.kind == kind])
        for kind, label in DocumentKind.choices
    ]
    return render(request, "documents/index.html", {"kinds": kinds, "audiences": AUDIENCES})


def document(
    request: HttpRequest, kind: str, audience: str = "all", version: int | None = None
) -> HttpResponse:
    if kind not in DocumentKind.values or audience not in AUDIENCES:
        raise Http404
    org = current_organisation(request)
    doc = access_published(organisation=org, kind=kind, version=version)
    lang = "km" if (get_language() or "km").startswith("km") else "en"
    return render(
        request,
        "documents/document.html",
        {
            "doc": doc,
            "label": DocumentKind(kind).label,
            "audience": audience,
            "audiences": AUDIENCES,
            "blocks": blocks(doc.texts[audience][lang]),
            "figures": doc.readability[audience][lang],
            "latest": version is None  # the address without a number is the newest
            or access_published(organisation=org, kind=kind).version == doc.version,
        },
    )
