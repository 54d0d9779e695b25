"""Desk pages of the safety policy: the adopted version and its conformance, the lead's draft.

The safeguarding lead (Role.LEAD) edits and adopts; the compliance officer and the
administrator read. Figures are counts only, so nothing here reveals a case.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from karpear.compliance.frameworks import AGE_BANDS
from karpear.core.errors import ApplicationError
from karpear.desk.access import LEAD_ONLY, desk_view
from karpear.safety.catalogue import ASSURANCE, CHANGES, Settings, catalogue
from karpear.safety.labels import ASSURANCE_LABELS, CHANGE_LABELS
from karpear.safety.models import PolicyStatus, SafetyPolicy
from karpear.safety.selectors import conformance
from karpear.safety.services import (
    access_policy,
    adopted_policy,
    effective_settings,
    policy_adopt,
    policy_draft,
    policy_edit,
)
from karpear.staff.models import Role, StaffMember

READERS = (Role.LEAD, Role.COMPLIANCE, Role.ADMIN)


def _rows(chosen: Settings) -> list[dict[str, Any]]:
    cat = catalogue()
    return [
        {
            "id": fid,
            "feature": feature,
            "cells": [
                {
                    "band": band,
                    "entry": chosen[band][fid],
                    "label": cat.label(chosen[band][fid]["value"]),
                    "change": CHANGE_LABELS.get(chosen[band][fid]["change"], "?"),
                    "options": [(v, cat.label(v)) for v in feature.values],
                }
                for band in AGE_BANDS
            ],
        }
        for fid, feature in cat.features.items()
    ]


@desk_view(*READERS)
def home(request: HttpRequest, member: StaffMember) -> HttpResponse:
    org = member.organisation
    policy = adopted_policy(org)
    found = conformance(org)
    cat = catalogue()
    table = [
        {
            "feature": feature,
            "cells": [found["bands"][band].get(fid) for band in AGE_BANDS],
        }
        for fid, feature in cat.features.items()
    ]
    return render(
        request,
        "safety/desk.html",
        {
            "policy": policy,
            "rows": _rows(effective_settings(policy)),
            "bands": AGE_BANDS,
            "conformance": table,
            "band_percent": [found["band_percent"][b] for b in AGE_BANDS],
            "version": found["version"],
            "versions": SafetyPolicy.objects.filter(organisation=org)
            .select_related("adopted_by")
            .order_by("-version"),
            "can_write": member.role == Role.LEAD,
        },
    )


@require_POST
@desk_view(*LEAD_ONLY)
def draft(request: HttpRequest, member: StaffMember) -> HttpResponse:
    policy = policy_draft(member=member, request=request)
    return redirect("desk:safety_policy", policy_id=policy.pk)


def _posted(request: HttpRequest, current: Settings, band: str) -> Settings:
    """The version's settings with one band's form fields (band|feature|part) put in; the
    service checks the whole. One band per form keeps it under DATA_UPLOAD_MAX_NUMBER_FIELDS."""
    chosen: Settings = {b: {f: dict(e) for f, e in row.items()} for b, row in current.items()}
    chosen[band] = {
        fid: {
            part: str(request.POST.get(f"{band}|{fid}|{part}", ""))
            for part in ("value", "change", "assurance")
        }
        for fid in catalogue().features
    }
    return chosen


@desk_view(*READERS, post=LEAD_ONLY)
def policy(request: HttpRequest, member: StaffMember, policy_id: int) -> HttpResponse:
    version = access_policy(member=member, policy_id=policy_id)
    source = request.POST if request.method == "POST" else request.GET
    band = str(source.get("band", "")) or version.youngest_band
    if band not in AGE_BANDS:
        band = version.youngest_band
    problems: list[str] = []
    chosen = effective_settings(version)
    if request.method == "POST":
        chosen = _posted(request, effective_settings(version), band)
        try:
            policy_edit(
                member=member,
                policy=version,
                settings=chosen,
                youngest_band=str(request.POST.get("youngest_band", "")),
                note=str(request.POST.get("note", "")),
                request=request,
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            problems = exc.fields.get("settings", [])
        else:
            messages.success(request, _("The draft is saved. Adopt it to serve it to the apps."))
            return redirect(f"{request.path}?band={band}")
    rows = _rows(chosen)
    return render(
        request,
        "safety/policy.html",
        {
            "version": version,
            "rows": rows,
            "band": band,
            "band_rows": [
                {"id": r["id"], "feature": r["feature"], "cell": r["cells"][AGE_BANDS.index(band)]}
                for r in rows
            ],
            "bands": AGE_BANDS,
            "problems": problems,
            "changes": [(c, CHANGE_LABELS[c]) for c in CHANGES],
            "assurances": [(a, ASSURANCE_LABELS[a]) for a in ASSURANCE],
            "editable": member.role == Role.LEAD and version.status == PolicyStatus.DRAFT,
        },
        status=400 if problems else 200,
    )


@require_POST
@desk_view(*LEAD_ONLY)
def adopt(request: HttpRequest, member: StaffMember, policy_id: int) -> HttpResponse:
    version = access_policy(member=member, policy_id=policy_id)
    try:
        policy_adopt(member=member, policy=version, request=request)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("desk:safety_policy", policy_id=version.pk)
    messages.success(
        request, _("Version %(v)s is adopted and served to the apps.") % {"v": version.version}
    )
    return redirect("desk:safety")
