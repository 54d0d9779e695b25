"""An outsider's attack (atk5) on issue #24's speed changes: the API key check as one
prepared statement (apikeys/services.py, KeyJoin), the report API's rules without a Django
form (reports/rules.py, core/rows.py InsertPlan) and evidence capture (evidence/capture.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from karpear.apikeys.models import Scope
from karpear.apikeys.services import KeyRefused, apikey_check, apikey_create
from karpear.orgs.models import Organisation
from karpear.reports.models import Report
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


# ---------------------------------------------------------------- 2. the report API's rules


def _report(client: Client, body: Any, **extra: Any) -> Any:
    return client.post(
        "/api/v1/reports",
        body if isinstance(body, bytes | str) else json.dumps(body),
        content_type="application/json",
        **extra,
    )


@pytest.mark.parametrize("value", ["post:\x00", "post:\x1b[31m", "post:\ufffd"])
def test_the_content_id_is_refused_as_the_forms_text_is(client: Client, value: str) -> None:
    """The API's one field the page has not (`platform_content_id`) was stored unchecked:
    an escape sequence or U+FFFD went to the desk as it came, a NUL was a server error on
    PostgreSQL. It is refused as the form's one-line text is."""
    body = {"links": ["https://a.example/1"], "category": "other", "platform_content_id": value}
    response = _report(client, body)
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["code"] == "invalid"
    assert Report.objects.count() == 0
