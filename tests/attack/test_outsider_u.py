"""An outsider's attack (atk5) on issue #24's speed changes: the API key check as one
prepared statement (apikeys/services.py, KeyJoin), the report API's rules without a Django
form (reports/rules.py, core/rows.py InsertPlan) and evidence capture (evidence/capture.py)."""

from __future__ import annotations

from typing import Any

import pytest

from karpear.apikeys.models import Scope
from karpear.apikeys.services import KeyRefused, apikey_check, apikey_create
from karpear.orgs.models import Organisation
from tests.conftest import Client


def _auth(token: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# ---------------------------------------------------------------- 1. the key check


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + "\u00e9",  # non-ASCII secret
        lambda t: t + "\u1780",  # Khmer letter appended
        lambda t: "kp_platform_\u00e9\u00e9_x",  # non-ASCII prefix
        lambda t: t + "A" * 100_000,
        lambda t: "kp___",
        lambda t: "kp_platform__",
        lambda t: " " + t,
    ],
)
def test_odd_tokens_are_refused_as_unauthenticated(
    client: Client, acme: Organisation, mangle: Any
) -> None:
    _key, token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")
    response = client.get("/api/v1/whoami", **_auth(mangle(token)))
    assert response.status_code == 401, response.content[:300]
    assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + "\u00e9",
        lambda t: t + "\x00",
        lambda t: t.replace("kp_", "kp_\x00", 1),
        lambda t: t + "\ud800",  # a lone surrogate
        lambda t: t + "A" * 1_000_000,
    ],
)
def test_the_check_itself_refuses_odd_tokens(acme: Organisation, mangle: Any) -> None:
    """A caller other than the bearer header (which refuses a NUL first) gets KeyRefused too."""
    _key, token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")
    with pytest.raises(KeyRefused):
        apikey_check(mangle(token), frozenset({Scope.PLATFORM}))
