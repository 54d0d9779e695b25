"""API keys: shown once, stored hashed, scoped, revocable, expiring, per organisation."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import apikey_create, apikey_revoke
from karpear.orgs.models import Organisation
from karpear.reports.models import Report
from tests.conftest import Client, valid_json


def _auth(token: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_cli_prints_the_token_once_and_stores_only_its_hash(acme: Organisation) -> None:
    out, err = StringIO(), StringIO()
    call_command("apikey", "create", "--scope", "platform", "--name", "App", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert token.startswith("kp_platform_")
    key = ApiKey.objects.get()
    assert token.split("_", 3)[3] not in key.secret_sha256
    assert "shown only now" in err.getvalue()
    listing = StringIO()
    call_command("apikey", "list", stdout=listing)
    assert key.prefix in listing.getvalue() and token not in listing.getvalue()


def test_a_valid_key_says_who_it_is(client: Client, acme: Organisation) -> None:
    _key, token = apikey_create(organisation=acme, scope=Scope.ISSUER, name="ACU")
    body = client.get("/api/v1/whoami", **_auth(token)).json()
    assert body == {"organisation": "acme", "scope": "issuer", "name": "ACU"}


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # wrong secret
        lambda t: "kp_platform_000000000000_" + t.split("_", 3)[3],  # unknown prefix
        lambda t: "not-a-token",
        lambda t: "",
    ],
)
def test_wrong_keys_are_refused_alike(client: Client, acme: Organisation, mangle: object) -> None:
    _key, token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")
    response = client.get("/api/v1/whoami", **_auth(mangle(token)))  # type: ignore[operator]
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_revoked_and_expired_keys_are_refused(client: Client, acme: Organisation) -> None:
    revoked, token1 = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="old")
    apikey_revoke(key=revoked)
    expired, token2 = apikey_create(
        organisation=acme, scope=Scope.PLATFORM, name="temp", expires_in_days=1
    )
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for token in (token1, token2):
        assert client.get("/api/v1/whoami", **_auth(token)).status_code == 401


def test_a_key_of_another_scope_is_forbidden(client: Client, acme: Organisation) -> None:
    _key, token = apikey_create(organisation=acme, scope=Scope.ISP, name="ISP")
    response = client.post(
        "/api/v1/reports", valid_json(), content_type="application/json", **_auth(token)
    )
    assert response.status_code == 403
    assert Report.objects.count() == 0


def test_a_platform_key_files_reports_under_its_own_organisation(
    client: Client, acme: Organisation, bayon: Organisation
) -> None:
    _key, token = apikey_create(organisation=bayon, scope=Scope.PLATFORM, name="Bayon app")
    response = client.post(
        "/api/v1/reports", valid_json(), content_type="application/json", **_auth(token)
    )
    assert response.status_code == 201
    assert Report.objects.get().organisation == bayon


def test_a_bad_key_on_a_report_is_refused_not_ignored(client: Client, acme: Organisation) -> None:
    response = client.post(
        "/api/v1/reports",
        valid_json(),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer kp_platform_nope_nope",
    )
    assert response.status_code == 401
    assert Report.objects.count() == 0


def test_key_creation_and_revocation_are_audited(acme: Organisation) -> None:
    from karpear.audit.models import AuditEntry

    key, _token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")
    apikey_revoke(key=key)
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "apikey_create",
        "apikey_revoke",
    ]
