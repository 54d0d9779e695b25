"""`GET /api/v1/whoami`: lets an integrator check a key before using it."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import ScopedKey

router = Router(tags=["keys"])


class WhoAmI(Schema):
    organisation: str
    scope: Scope
    name: str


@router.get(
    "/whoami",
    response=WhoAmI,
    summary="The organisation and scope of this key",
    auth=ScopedKey(Scope.PLATFORM, Scope.ISSUER, Scope.ISP, Scope.SERVICE),
)
def whoami(request: HttpRequest) -> WhoAmI:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    return WhoAmI(organisation=key.organisation.slug, scope=Scope(key.scope), name=key.name)
