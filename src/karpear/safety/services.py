"""The safety policy's workflow: draft, edit, adopt, serve, attest (issue #18, items 1-3).

Views, the API and `karpear demo` call these; every change is audited in its transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.compliance.frameworks import AGE_BANDS
from karpear.core.errors import ApplicationError, NotFound
from karpear.core.versions import next_version
from karpear.orgs.models import Organisation
from karpear.safety.catalogue import (
    ASSURANCE,
    Settings,
    catalogue,
    check_settings,
    entry_fits,
)
from karpear.safety.models import Attestation, PolicyStatus, SafetyPolicy
from karpear.staff.models import Role, StaffMember

DEFAULT_YOUNGEST_BAND = "10-12"
MAX_COUNT = 10**12  # more accounts than people on Earth is a mistake, not a figure


def _lead_only(member: StaffMember) -> None:
    if member.role != Role.LEAD:
        raise ApplicationError(
            _("Only the safeguarding lead can change the safety policy."),
            code="forbidden",
            status=403,
        )


def access_policy(*, member: StaffMember, policy_id: int) -> SafetyPolicy:
    """A policy of the member's organisation, or 404 (another organisation's is not found)."""
    policy = SafetyPolicy.objects.filter(organisation=member.organisation, pk=policy_id).first()
    if policy is None:
        raise NotFound(_("There is no such policy version."))
    return policy


def adopted_policy(organisation: Organisation) -> SafetyPolicy | None:
    return (
        SafetyPolicy.objects.filter(organisation=organisation, status=PolicyStatus.ADOPTED)
        .order_by("-version")
        .first()
    )


def effective_settings(policy: SafetyPolicy | None) -> Settings:
    """The settings in force: the policy's, for every feature the catalogue has now.

    A feature added to the catalogue after the policy was saved (a new release, or
    KARPEAR_SAFETY_CATALOGUE), or one whose values changed so that a stored entry no longer
    fits, takes its shipped defaults in every band: the whole feature, so its bands stay
    consistent (guidelines 2.3), until the lead's next draft chooses otherwise.
    """
    cat = catalogue()
    defaults = cat.defaults()
    if policy is None:
        return defaults
    stored: Any = policy.settings if isinstance(policy.settings, dict) else {}
    out: Settings = {band: {} for band in AGE_BANDS}
    for fid, feature in cat.features.items():
        rows: list[Any] = [
            stored.get(band, {}).get(fid) if isinstance(stored.get(band), dict) else None
            for band in AGE_BANDS
        ]
        fits = all(entry_fits(feature, row) for row in rows)
        for band, row in zip(AGE_BANDS, rows, strict=True):
            entry: dict[str, str] = row if fits else defaults[band][fid]
            out[band][fid] = dict(entry)
    return out


def policy_draft(*, member: StaffMember, request: HttpRequest | None = None) -> SafetyPolicy:
    """The open draft, or a new one copied from the adopted version (else the shipped
    defaults). Lock: the draft's partial unique constraint settles two leads at once."""
    _lead_only(member)
    org = member.organisation
    existing = SafetyPolicy.objects.filter(organisation=org, status=PolicyStatus.DRAFT).first()
    if existing is not None:
        return existing
    base = adopted_policy(org)
    try:
        with transaction.atomic():
            version = next_version(SafetyPolicy.objects.filter(organisation=org))
            policy = SafetyPolicy.objects.create(
                organisation=org,
                version=version,
                settings=effective_settings(base),
                youngest_band=base.youngest_band if base else DEFAULT_YOUNGEST_BAND,
                created_by=member.user,
                created_at=timezone.now(),
            )
            audit_record(
                action="safety_policy_draft",
                organisation=org,
                actor=member.user,
                object_type="safety_policy",
                object_id=policy.pk,
                detail={"version": version, "from": base.version if base else 0},
                request=request,
            )
    except IntegrityError:
        return SafetyPolicy.objects.get(organisation=org, status=PolicyStatus.DRAFT)
    return policy


def _invalid(problems: list[str]) -> ApplicationError:
    return ApplicationError(
        _("The policy contradicts itself; nothing was changed."),
        code="contradiction",
        fields={"settings": problems},
    )


@transaction.atomic
def policy_edit(
    *,
    member: StaffMember,
    policy: SafetyPolicy,
    settings: Any,
    youngest_band: str,
    note: str = "",
    request: HttpRequest | None = None,
) -> SafetyPolicy:
    """Replace a draft's settings after checking them; an adopted version never changes."""
    _lead_only(member)
    policy = SafetyPolicy.objects.select_for_update().get(pk=policy.pk)
    if policy.organisation_id != member.organisation_id:
        raise NotFound(_("There is no such policy version."))
    if policy.status != PolicyStatus.DRAFT:
        raise ApplicationError(
            _("An adopted version cannot change: start a new draft."), code="adopted", status=409
        )
    problems = check_settings(catalogue().features, settings)
    if youngest_band not in AGE_BANDS:
        problems.append(f"youngest band must be one of {AGE_BANDS}")
    if len(note) > 500:
        problems.append("the note is longer than 500 characters")
    if problems:
        raise _invalid(problems)
    changed = _changes(policy.settings, settings)
    policy.settings = settings
    policy.youngest_band = youngest_band
    policy.note = note
    policy.save(update_fields=["settings", "youngest_band", "note"])
    audit_record(
        action="safety_policy_edit",
        organisation=member.organisation,
        actor=member.user,
        object_type="safety_policy",
        object_id=policy.pk,
        detail={"version": policy.version, "changed": changed[:50]},
        request=request,
    )
    return policy


def _changes(before: Settings, after: Settings) -> list[str]:
    return [
        f"{band} {fid}: {before.get(band, {}).get(fid)} -> {entry}"
        for band, row in after.items()
        for fid, entry in row.items()
        if before.get(band, {}).get(fid) != entry
    ]


@transaction.atomic
def policy_adopt(
    *, member: StaffMember, policy: SafetyPolicy, request: HttpRequest | None = None
) -> SafetyPolicy:
    """Adopt a draft: from now on apps are served this version. Checked again, because the
    catalogue may have changed since the draft was saved."""
    _lead_only(member)
    policy = SafetyPolicy.objects.select_for_update().get(pk=policy.pk)
    if policy.organisation_id != member.organisation_id:
        raise NotFound(_("There is no such policy version."))
    if policy.status != PolicyStatus.DRAFT:
        raise ApplicationError(_("This version is already adopted."), code="adopted", status=409)
    problems = check_settings(catalogue().features, policy.settings)
    if problems:
        raise _invalid(problems)
    previous = adopted_policy(member.organisation)
    policy.status = PolicyStatus.ADOPTED
    policy.adopted_by = member.user
    policy.adopted_at = timezone.now()
    policy.save(update_fields=["status", "adopted_by", "adopted_at"])
    audit_record(
        action="safety_policy_adopt",
        organisation=member.organisation,
        actor=member.user,
        object_type="safety_policy",
        object_id=policy.pk,
        detail={
            "version": policy.version,
            "changed": _changes(
                previous.settings if previous else catalogue().defaults(), policy.settings
            )[:50],
        },
        request=request,
    )
    return policy


@dataclass(frozen=True)
class Served:
    """What an app is told for one band and assurance level."""

    body: dict[str, Any]
    etag: str


def policy_for(*, organisation: Organisation, age_band: str, assurance: str) -> Served:
    """The settings an app applies for a new account (issue #18, item 2).

    1. An unknown age is the youngest band the service admits.
    2. Each setting starts at the band's value; where that is less protective than the next
       younger band's and the app's age assurance is below the level the band asks for, the
       younger band's value is served instead, and so on down (AADC standard 3).
    """
    if assurance not in ASSURANCE:
        raise ApplicationError(
            _("Unknown age-assurance level."), fields={"assurance": [", ".join(ASSURANCE)]}
        )
    if age_band not in (*AGE_BANDS, "unknown"):
        raise ApplicationError(
            _("Unknown age band."), fields={"age_band": [", ".join((*AGE_BANDS, "unknown"))]}
        )
    cat = catalogue()
    policy = adopted_policy(organisation)
    chosen = effective_settings(policy)
    youngest = policy.youngest_band if policy else DEFAULT_YOUNGEST_BAND
    band = youngest if age_band == "unknown" else age_band
    level = ASSURANCE.index(assurance)
    out: dict[str, Any] = {}
    for fid, feature in cat.features.items():
        index = AGE_BANDS.index(band)
        entry = chosen[band][fid]
        held: dict[str, str] | None = None
        while index > 0:
            younger = chosen[AGE_BANDS[index - 1]][fid]
            here = chosen[AGE_BANDS[index]][fid]
            relaxed = feature.values.index(here["value"]) > feature.values.index(younger["value"])
            if not relaxed or level >= ASSURANCE.index(here["assurance"]):
                break
            held = held or {"value": entry["value"], "needs": here["assurance"]}
            index -= 1
        served = chosen[AGE_BANDS[index]][fid]
        out[fid] = {
            "value": served["value"],
            "change": entry["change"],
            "parent_control": feature.parent_control,
            "values": list(feature.values),
            "held_back": held,
        }
    body = {
        "version": policy.version if policy else 0,
        "catalogue": cat.version,
        "age_band": age_band,
        "served_band": band,
        "assurance": assurance,
        "adopted_at": policy.adopted_at.isoformat() if policy and policy.adopted_at else None,
        "settings": out,
    }
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]
    return Served(body=body, etag=f'"{digest}"')


@dataclass(frozen=True)
class Count:
    age_band: str
    feature: str
    at_default: int
    changed: int


@transaction.atomic
def attestation_record(
    *, organisation: Organisation, version: int, counts: list[Count], reported_by: str
) -> int:
    """Store the app's latest counts for one version (each row replaces the last report for
    its band and setting). All or nothing: one bad row refuses the whole report."""
    problems: dict[str, list[str]] = {}
    known = (
        version == 0
        or SafetyPolicy.objects.filter(
            organisation=organisation, version=version, status=PolicyStatus.ADOPTED
        ).exists()
    )
    if not known:
        raise ApplicationError(
            _("There is no adopted policy with this version."), code="unknown_version", status=422
        )
    features = catalogue().features
    seen: set[tuple[str, str]] = set()
    for i, count in enumerate(counts):
        where = f"counts.{i}"
        if count.age_band not in AGE_BANDS:
            problems.setdefault(where, []).append(f"unknown age band {count.age_band!r}")
        if count.feature not in features:
            problems.setdefault(where, []).append(f"unknown feature {count.feature!r}")
        if not (0 <= count.at_default <= MAX_COUNT and 0 <= count.changed <= MAX_COUNT):
            problems.setdefault(where, []).append("counts are whole numbers from 0")
        if (count.age_band, count.feature) in seen:
            problems.setdefault(where, []).append("this band and setting appear twice")
        seen.add((count.age_band, count.feature))
    if problems:
        raise ApplicationError(
            _("The attestation was not recorded."), code="invalid_attestation", fields=problems
        )
    now = timezone.now()
    for count in counts:
        Attestation.objects.update_or_create(
            organisation=organisation,
            version=version,
            band=count.age_band,
            feature=count.feature,
            defaults={
                "at_default": count.at_default,
                "changed": count.changed,
                "reported_at": now,
                "reported_by": reported_by[:200],
            },
        )
    return len(counts)
