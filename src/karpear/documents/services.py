"""Drafting, adopting and reading the documents children and parents read (issue #18, 5-7).

Drafts come from the company's own settings: its name, the portal and contest addresses, the
review target, the retention periods, and the safety policy of each age band (so the easy-read
privacy notice for 13-15 says what a 13-year-old's account actually does). The lead or the
compliance officer edits and adopts them; every adopted version stays published with its date.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.cases.services import sla_targets
from karpear.core.errors import ApplicationError, NotFound
from karpear.core.versions import latest_by_kind, next_version
from karpear.documents.models import AUDIENCES, DocumentKind, DocumentVersion
from karpear.documents.readability import measure
from karpear.orgs.models import Organisation
from karpear.orgs.selectors import public_url
from karpear.safety.selectors import band_settings
from karpear.safety.services import DEFAULT_YOUNGEST_BAND, adopted_policy
from karpear.staff.models import Role, StaffMember

LANGUAGES = ("km", "en")
WRITERS = (Role.LEAD, Role.COMPLIANCE)
MAX_CHARS = 30_000
CHANGE_WORDS = {
    "en": {
        "locked": "cannot be changed in the app",
        "parent": "can be changed with a parent",
        "child": "you can change it yourself",
    },
    "km": {
        "locked": "មិនអាចប្តូរក្នុងកម្មវិធីបានទេ",
        "parent": "អាចប្តូរបានជាមួយមាតាបិតា",
        "child": "អ្នកអាចប្តូរវាដោយខ្លួនឯង",
    },
}


def _band_context(organisation: Organisation, band: str, lang: str) -> dict[str, Any]:
    rows = band_settings(organisation, band)
    with translation.override(lang):
        return {
            "band": band,
            "s": {fid: str(r["label"]) for fid, r in rows.items()},
            "s_raw": {fid: r["value"] for fid, r in rows.items()},
            "settings": [
                {
                    "title": str(r["feature"].title),
                    "label": str(r["label"]),
                    "change": CHANGE_WORDS[lang][r["change"]],
                    "parent_control": r["feature"].parent_control,
                }
                for r in rows.values()
            ],
        }


def document_draft(organisation: Organisation, kind: str) -> dict[str, dict[str, str]]:
    """{audience: {language: text}} drafted from today's settings."""
    if kind not in DocumentKind.values:
        raise NotFound(_("There is no such document."))
    review, _action = sla_targets(organisation)
    policy = adopted_policy(organisation)
    youngest = policy.youngest_band if policy else DEFAULT_YOUNGEST_BAND
    texts: dict[str, dict[str, str]] = {}
    for audience in AUDIENCES:
        texts[audience] = {}
        for lang in LANGUAGES:
            with translation.override(lang):
                base = {
                    "org_name": organisation.name_km
                    if lang == "km" and organisation.name_km
                    else organisation.name,
                    "today": timezone.localdate().isoformat(),
                    "portal": _site(organisation, reverse("report"), _("our report page")),
                    "contest": _site(
                        organisation, reverse("complaint"), _("our page for contesting decisions")
                    ),
                    "review_hours": max(1, round(review / 60)),
                    "retention_days": settings.KARPEAR_RETENTION_DAYS["default"],
                    "contact_days": settings.KARPEAR_CONTACT_RETENTION_DAYS,
                }
            band = youngest if audience == "all" else audience
            context = {**base, **_band_context(organisation, band, lang)}
            name = f"{kind}.{lang}.txt" if audience == "all" else f"{kind}.easy.{lang}.txt"
            texts[audience][lang] = _tidy(render_to_string(f"documents/drafts/{name}", context))
    return texts


def _site(organisation: Organisation, path: str, otherwise: Any) -> str:
    """The full address where the organisation's portal has one, else words (a bare "/" in a
    sentence helps nobody)."""
    return public_url(organisation, path) or str(otherwise)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out)


@transaction.atomic
def document_adopt(
    *,
    member: StaffMember,
    kind: str,
    texts: dict[str, dict[str, str]],
    request: HttpRequest | None = None,
) -> DocumentVersion:
    """Adopt one version of one document, with its readability figures. Audited.

    Lock: the unique (organisation, kind, version) constraint; a second adoption at the same
    moment is refused rather than numbered twice.
    """
    if member.role not in WRITERS:
        raise ApplicationError(
            _("Only the safeguarding lead or the compliance officer can adopt documents."),
            code="forbidden",
            status=403,
        )
    if kind not in DocumentKind.values:
        raise NotFound(_("There is no such document."))
    errors: dict[str, list[str]] = {}
    clean: dict[str, dict[str, str]] = {}
    for audience in AUDIENCES:
        for lang in LANGUAGES:
            body = _tidy(str(texts.get(audience, {}).get(lang, "")))
            if not body or len(body) > MAX_CHARS:
                errors[f"{audience}_{lang}"] = [
                    str(_("Write this version (at most 30,000 characters)."))
                ]
            clean.setdefault(audience, {})[lang] = body
    if errors:
        raise ApplicationError(_("The document was not adopted."), fields=errors)
    figures = {
        audience: {lang: measure(clean[audience][lang], lang, audience) for lang in LANGUAGES}
        for audience in AUDIENCES
    }
    org = member.organisation
    version = next_version(DocumentVersion.objects.filter(organisation=org, kind=kind))
    try:
        with transaction.atomic():
            doc = DocumentVersion.objects.create(
                organisation=org,
                kind=kind,
                version=version,
                texts=clean,
                readability=figures,
                adopted_by=member.user,
                adopted_at=timezone.now(),
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("Someone adopted a version at the same moment; look again."), status=409
        ) from exc
    audit_record(
        action="document_adopt",
        organisation=org,
        actor=member.user,
        object_type="document",
        object_id=doc.pk,
        detail={"kind": kind, "version": version},
        request=request,
    )
    return doc


def published(organisation: Organisation, kind: str | None = None) -> list[DocumentVersion]:
    """Every adopted version, newest first (all stay published, guidelines 2.6)."""
    rows = DocumentVersion.objects.filter(organisation=organisation).select_related("adopted_by")
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("kind", "-version"))


def access_published(
    *, organisation: Organisation, kind: str, version: int | None = None
) -> DocumentVersion:
    rows = DocumentVersion.objects.filter(organisation=organisation, kind=kind)
    # "v0" is no version: only the address without a number means the newest.
    doc = (
        rows.filter(version=version) if version is not None else rows.order_by("-version")
    ).first()
    if doc is None:
        raise NotFound(_("This document is not published yet."))
    return doc


def latest_versions(organisation: Organisation) -> dict[str, DocumentVersion]:
    """The newest adopted version of each kind (for compliance evidence)."""
    return latest_by_kind(DocumentVersion.objects.filter(organisation=organisation))


def blocks(text: str) -> list[tuple[str, Any]]:
    """Plain text as headings ("## "), lists ("- ") and paragraphs, for the page to render
    (escaped by the template; the text is never trusted as HTML)."""
    out: list[tuple[str, Any]] = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        if line.startswith("## "):
            out.append(("h", line[3:].strip()))
        elif line.startswith("- "):
            if out and out[-1][0] == "ul":
                out[-1][1].append(line[2:].strip())
            else:
                out.append(("ul", [line[2:].strip()]))
        else:
            out.append(("p", line.strip()))
    return out
