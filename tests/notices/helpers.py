"""What the notices tests send: a notice body, a signed JSON POST, a linked issuer's key."""

from __future__ import annotations

import json
from typing import Any

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.orgs.models import Organisation
from karpear.platformlink.services import link_configure
from tests.conftest import Client


def notice(ref: str, *items: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"issuer_reference": ref, "legal_basis": "Order 41", "items": list(items), **extra}


def post(client: Client, token: str, path: str, body: Any, **extra: Any) -> Any:
    return client.post(
        path,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **extra,
    )


def linked_issuer_token(org: Organisation) -> str:
    """The token of the Anti-Cybercrime Unit's key, with the platform linked (so takedowns
    queue webhooks, as in production)."""
    link_configure(
        organisation=org, webhook_url="http://127.0.0.1:9/hook", hosted_domains=["social.example"]
    )
    return apikey_create(organisation=org, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")[1]
