"""Every keyed API operation with every scope of key, none, a revoked one and another
organisation's: refused (401/403) in the one JSON error format unless the scope is declared.

The table is checked against the OpenAPI document, so a new operation must be added here.
"""

from __future__ import annotations

from typing import Any

import pytest

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create, apikey_revoke
from karpear.orgs.models import Organisation
from tests.conftest import Client

P, N, S = Scope.PLATFORM.value, Scope.ISSUER.value, Scope.ISP.value
C = Scope.COMPANY.value  # a company submitting to its regulator (issue #20)
V = Scope.SERVICE.value  # a child-protection service reading its referral inbox (issue #17)
# (method, path, scopes allowed)
KEYED = [
    ("GET", "/api/v1/whoami", {P, N, S, V}),
    ("POST", "/api/v1/notices", {N}),
    ("POST", "/api/v1/notices/batch", {N}),
    ("POST", "/api/v1/notices/1/items", {N}),
    ("GET", "/api/v1/notices/1", {N}),
    ("POST", "/api/v1/evidence", {P}),
    ("GET", "/api/v1/blocklist/version", {S}),
    ("GET", "/api/v1/blocklist/full", {S}),
    ("GET", "/api/v1/blocklist/delta", {S}),
    ("GET", "/api/v1/blocklist/check", {S, P}),
    ("POST", "/api/v1/hashes/check", {P}),
    ("POST", "/api/v1/appeals", {P}),
    ("GET", "/api/v1/referrals", {N, V}),
    ("GET", "/api/v1/referrals/1", {N, V}),
    ("POST", "/api/v1/referrals/1/acknowledge", {N, V}),
    ("POST", "/api/v1/referrals/1/outcome", {N, V}),
    ("POST", "/api/v1/regulator/submissions", {C}),
    ("GET", "/api/v1/regulator/requests", {C}),
    ("POST", "/api/v1/regulator/requests/1/answer", {C}),
    ("GET", "/api/v1/safety-policy", {P}),
    ("POST", "/api/v1/safety-policy/attestations", {P}),
]


def _call(client: Client, method: str, path: str, token: str | None) -> Any:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if method == "GET":
        return client.get(path, **headers)
    return client.post(path, "{}", content_type="application/json", **headers)


def test_the_table_lists_every_keyed_operation() -> None:
    from karpear.api import api

    schema = api.get_openapi_schema()
    keyed = {
        (
            method.upper(),
            path.replace("{notice_id}", "1")
            .replace("{referral_id}", "1")
            .replace("{request_id}", "1"),
        )
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if operation.get("security")
    }
    assert keyed == {(m, p) for m, p, _ in KEYED}


@pytest.mark.parametrize(
    ("method", "path", "allowed"), KEYED, ids=[f"{m} {p}" for m, p, _ in KEYED]
)
def test_only_the_declared_scopes_get_past_the_key_check(
    acme: Organisation, method: str, path: str, allowed: set[str]
) -> None:
    client = Client()
    for scope in Scope:
        _key, token = apikey_create(organisation=acme, scope=scope, name=f"k-{scope}")
        response = _call(client, method, path, token)
        if scope.value in allowed:
            assert response.status_code not in (401, 403), (scope, response.status_code)
        else:
            assert response.status_code == 403, (scope, response.status_code)
            assert response.json()["error"]["code"], response.content
    for bad in (None, "x" * 5000, "kp_\u00e9\u00e9", "Bearer"):
        response = _call(client, method, path, bad)
        assert response.status_code == 401, (bad and bad[:10], response.status_code)
    scope = Scope(next(iter(allowed)))
    revoked, old = apikey_create(organisation=acme, scope=scope, name="old")
    apikey_revoke(key=revoked, actor_label="test")
    assert _call(client, method, path, old).status_code == 401
