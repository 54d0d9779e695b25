"""`/api/v1/blocklist/...` for ISPs and other enforcement points (issue #7, items 4 and 8)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import ScopedKey
from karpear.audit.services import audit_record
from karpear.blocklist.services import check_url, latest_version, published_list
from karpear.core import signing

router = Router(tags=["blocklist"], auth=ScopedKey(Scope.ISP))


class VersionOut(Schema):
    publisher: str
    version: int
    total: int
    digest: str
    public_key: str
    key_id: str


class CheckOut(Schema):
    listed: bool
    kind: str | None
    source: str | None
    source_name: str | None


def _signed(request: HttpRequest, since: int | None) -> HttpResponse:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    envelope = published_list(key.organisation, since)
    audit_record(
        action="blocklist_fetched",
        organisation=key.organisation,
        actor_label=f"apikey:{key.prefix}",
        object_type="blocklist_version",
        object_id=envelope["payload"]["version"],
        detail={"since": since, "key": key.name},
    )
    body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=True)
    return HttpResponse(body, content_type="application/json")


@router.get("/blocklist/version", response=VersionOut, summary="The latest version and the key")
def version(request: HttpRequest) -> VersionOut:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    latest = latest_version(key.organisation)
    public = signing.public_key_b64()
    return VersionOut(
        publisher=key.organisation.slug,
        version=latest.number if latest else 0,
        total=latest.total if latest else 0,
        digest=latest.digest if latest else "0" * 64,
        public_key=public,
        key_id=signing.key_id(public),
    )


@router.get("/blocklist/full", summary="The whole list, signed (Ed25519)")
def full(request: HttpRequest) -> HttpResponse:
    return _signed(request, None)


@router.get("/blocklist/delta", summary="Changes since a version, signed (Ed25519)")
def delta(request: HttpRequest, since: int) -> HttpResponse:
    return _signed(request, since)


@router.get(
    "/blocklist/check",
    response=CheckOut,
    summary="Is this URL blocked here?",
    auth=ScopedKey(Scope.ISP, Scope.PLATFORM),
)
def check(request: HttpRequest, url: str) -> CheckOut:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    hit = check_url(key.organisation, url)
    if hit is None:
        return CheckOut(listed=False, kind=None, source=None, source_name=None)
    return CheckOut(listed=True, kind=hit.kind, source=hit.source.code, source_name=hit.source.name)
