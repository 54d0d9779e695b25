"""The safety policy for the company's apps (issue #18, items 2-3), platform key only.

`GET /api/v1/safety-policy` answers with an ETag; an app that sends it back as If-None-Match
gets 304 until the lead adopts a new version. `POST /api/v1/safety-policy/attestations` takes
counts only (accounts at default / changed per band and setting), never an account.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import ConfigDict, Field, StrictInt, StrictStr

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import ScopedKey
from karpear.reports.api import ErrorOut
from karpear.safety.services import Count, attestation_record, policy_for

router = Router(tags=["safety policy"], auth=ScopedKey(Scope.PLATFORM))

Band = Literal["0-5", "6-9", "10-12", "13-15", "16-17", "unknown"]
Assurance = Literal["self-declared", "estimated", "verified", "parent-confirmed"]


class HeldBack(Schema):
    value: str
    needs: str


class SettingOut(Schema):
    value: str
    change: Literal["locked", "parent", "child"]
    parent_control: bool
    values: list[str]
    held_back: HeldBack | None


class PolicyOut(Schema):
    version: int
    catalogue: str
    age_band: str
    served_band: str
    assurance: str
    adopted_at: str | None
    settings: dict[str, SettingOut]


@router.get(
    "/safety-policy",
    response={200: PolicyOut, 304: None, 400: ErrorOut},
    summary="Default settings for a new account of one age band",
    description="`age_band` is an Appendix 1 band or `unknown` (served the youngest band the "
    "service admits). `assurance` is how the app knows the age. A setting whose band value is "
    "less protective than the younger band's is held back (`held_back` says what and which "
    "assurance would release it) until the app's assurance reaches the policy's level. "
    "`version` 0 is the shipped defaults (no policy adopted yet). Send the ETag back as "
    "If-None-Match: 304 while nothing changed. `change`: who may change it (locked, with a "
    "parent, the child alone).",
)
def safety_policy(
    request: HttpRequest, age_band: Band = "unknown", assurance: Assurance = "self-declared"
) -> HttpResponse:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    served = policy_for(organisation=key.organisation, age_band=age_band, assurance=assurance)
    tags = _etags(request.headers.get("If-None-Match", ""))
    if served.etag in tags or "*" in tags:  # RFC 9110 13.1.2: "*" matches any representation
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(
            json.dumps(served.body), content_type="application/json", status=200
        )
    response["ETag"] = served.etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _etags(header: str) -> set[str]:
    tags = {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}
    return tags


class CountIn(Schema):
    model_config = ConfigDict(extra="forbid")
    age_band: Annotated[StrictStr, Field(max_length=5)]
    feature: Annotated[StrictStr, Field(max_length=64)]
    at_default: Annotated[StrictInt, Field(ge=0, le=10**12)]
    changed: Annotated[StrictInt, Field(ge=0, le=10**12)]


class AttestationIn(Schema):
    """What the app applied, in aggregate, for one policy version."""

    model_config = ConfigDict(extra="forbid")
    version: Annotated[StrictInt, Field(ge=0, le=2**31)]
    counts: Annotated[list[CountIn], Field(min_length=1, max_length=500)]


class AttestationOut(Schema):
    version: int
    recorded: int


@router.post(
    "/safety-policy/attestations",
    response={200: AttestationOut, 400: ErrorOut, 422: ErrorOut},
    summary="Report how many accounts are at each default, per band and setting",
    description="Counts replace the last report for the same version, band and setting, so a "
    "repeat changes nothing. An unknown version is 422; an unknown band or setting, a "
    "negative count or a repeated row is 400, and nothing is recorded.",
)
def attest(request: HttpRequest, payload: AttestationIn) -> AttestationOut:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    recorded = attestation_record(
        organisation=key.organisation,
        version=payload.version,
        counts=[Count(c.age_band, c.feature, c.at_default, c.changed) for c in payload.counts],
        reported_by=key.name,
    )
    return AttestationOut(version=payload.version, recorded=recorded)
