"""Signed publication and the subscriber's pull (issue #7, items 4, 5 and 8).

The ISP instance pulls over real HTTP from the publisher (Django's live
server); both roles run the same code, here as two organisations of one
deployment, each with its own key and list.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.audit.models import AuditEntry
from karpear.blocklist.matcher import expression_digest
from karpear.blocklist.models import Entry, Subscription
from karpear.blocklist.services import (
    PullError,
    check_url,
    subscription_add,
    subscription_pull,
)
from karpear.core import signing
from karpear.orgs.models import Organisation
from tests.blocklist.helpers import add_domain, import_text, register
from tests.conftest import Client

LIST = "http://bad.example/gallery/1.html\nhttp://bad.example/gallery/2.html?id=7\n"


def get(client: Client, token: str, path: str) -> Any:
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def isp_token(acme: Organisation) -> str:
    return apikey_create(organisation=acme, scope=Scope.ISP, name="Example ISP")[1]


def test_full_list_and_delta_are_signed_and_carry_no_plain_urls(
    client: Client, acme: Organisation, isp_token: str
) -> None:
    iwf = register(acme)
    import_text(acme, iwf, LIST)
    add_domain(acme, iwf, "whole.example", "IWF-D-1")
    response = get(client, isp_token, "/api/v1/blocklist/full")
    assert response.status_code == 200
    assert b"gallery" not in response.content  # exact pages only as hashes
    envelope = response.json()
    version = get(client, isp_token, "/api/v1/blocklist/version").json()
    payload = signing.verify(envelope, version["public_key"])
    assert payload["version"] == version["version"] == 2 and payload["total"] == 3
    assert payload["sources"]["IWF"]["appeals_email"] == "appeals@iwf.test"
    kinds = sorted((row[1], row[4]) for row in payload["added"])
    assert kinds == [("domain", "IWF-D-1"), ("url", "IWF-2026-11-20"), ("url", "IWF-2026-11-20")]
    expected = expression_digest("bad.example/gallery/1.html").hex()
    assert expected in [row[2] for row in payload["added"]]
    assert "whole.example" in [row[2] for row in payload["added"]]
    # A changed byte breaks the signature.
    envelope["payload"]["added"][0][4] = "forged"
    with pytest.raises(signing.BadSignature):
        signing.verify(envelope, version["public_key"])

    delta = signing.verify(
        get(client, isp_token, "/api/v1/blocklist/delta?since=1").json(), version["public_key"]
    )
    assert delta["since"] == 1 and [r[1] for r in delta["added"]] == ["domain"]
    assert delta["removed"] == []
    assert get(client, isp_token, "/api/v1/blocklist/delta?since=9").status_code == 404
    assert get(client, isp_token, "/api/v1/blocklist/delta?since=x").status_code == 400
    fetched = AuditEntry.objects.filter(action="blocklist_fetched").count()
    assert fetched == 2


def test_only_isp_keys_read_the_list_and_check_answers_variants(
    client: Client, acme: Organisation, isp_token: str
) -> None:
    import_text(acme, register(acme), LIST)
    platform = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="platform")[1]
    assert client.get("/api/v1/blocklist/full").status_code == 401
    assert get(client, "kp_wrong", "/api/v1/blocklist/full").status_code == 401
    assert get(client, platform, "/api/v1/blocklist/full").status_code in (401, 403)
    for variant in [
        "http://bad.example/gallery/1.html",
        "HTTP://BAD.EXAMPLE/gallery/%31.html",
        "http://bad.example/gallery/./1.html#x",
        "bad.example/gallery/2.html?id=7",
    ]:
        body = get(client, isp_token, f"/api/v1/blocklist/check?url={variant.replace('#', '%23')}")
        assert body.json()["listed"] is True, variant
        assert body.json()["source"] == "IWF"
    assert get(client, platform, "/api/v1/blocklist/check?url=http://ok.example/").json() == {
        "listed": False,
        "kind": None,
        "source": None,
        "source_name": None,
    }
    bad = get(client, isp_token, "/api/v1/blocklist/check?url=javascript:alert(1)")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "malformed_url"


@pytest.fixture
def subscription(
    live_server: Any, acme: Organisation, bayon: Organisation, isp_token: str
) -> Subscription:
    """bayon (the ISP) subscribes to acme's list (the list holder)."""
    return subscription_add(
        organisation=bayon,
        name="hotline",
        url=live_server.url,
        token=isp_token,
        public_key=signing.public_key_b64(),
        actor_label="t",
    )


@pytest.mark.django_db(transaction=True)
def test_the_isp_pulls_the_full_list_then_deltas(
    acme: Organisation, bayon: Organisation, subscription: Subscription
) -> None:
    iwf = register(acme)
    import_text(acme, iwf, LIST)
    result = subscription_pull(subscription)
    assert (result.version, result.added, result.full) == (1, 2, True)
    assert check_url(bayon, "http://bad.example/gallery/1.html")
    hit = check_url(bayon, "http://bad.example/gallery/2.html?id=7")
    assert hit is not None and hit.source.code == "IWF"
    # The ISP holds hashes only; it never learns the plain URLs.
    assert not Entry.objects.filter(organisation=bayon).exclude(url_enc="").exists()

    import_text(acme, iwf, "http://bad.example/gallery/1.html\nhttp://fresh.example/z\n")
    subscription.refresh_from_db()
    result = subscription_pull(subscription)
    assert (result.version, result.added, result.removed, result.full) == (2, 1, 1, False)
    assert check_url(bayon, "http://bad.example/gallery/2.html?id=7") is None
    assert check_url(bayon, "http://fresh.example/z")
    subscription.refresh_from_db()
    again = subscription_pull(subscription)
    assert not again.changed
    assert AuditEntry.objects.filter(organisation=bayon, action="blocklist_pulled").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_bad_signature_or_an_unreachable_publisher_keeps_the_last_good_list(
    acme: Organisation, bayon: Organisation, subscription: Subscription, tmp_path: Path
) -> None:
    iwf = register(acme)
    import_text(acme, iwf, LIST)
    subscription_pull(subscription)
    import_text(acme, iwf, "http://fresh.example/z\n")
    subscription.refresh_from_db()
    # Someone else's key: the list is refused, the old one stays enforced.
    other = signing._private_key("another publisher").public_key()
    from cryptography.hazmat.primitives import serialization

    raw = other.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    import base64

    Subscription.objects.filter(pk=subscription.pk).update(
        public_key=base64.b64encode(raw).decode()
    )
    subscription.refresh_from_db()
    with pytest.raises(PullError, match="signature"):
        subscription_pull(subscription)
    subscription.refresh_from_db()
    assert subscription.version == 1 and "signature" in subscription.last_error
    assert check_url(bayon, "http://bad.example/gallery/1.html")
    assert check_url(bayon, "http://fresh.example/z") is None
    # The publisher is down.
    Subscription.objects.filter(pk=subscription.pk).update(url="http://127.0.0.1:9")
    subscription.refresh_from_db()
    with pytest.raises(PullError, match="cannot reach"):
        subscription_pull(subscription)
    assert check_url(bayon, "http://bad.example/gallery/1.html")
    assert AuditEntry.objects.filter(action="blocklist_pull_failed").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_that_diverged_starts_again_from_the_full_list(
    acme: Organisation, bayon: Organisation, subscription: Subscription
) -> None:
    iwf = register(acme)
    import_text(acme, iwf, LIST)
    subscription_pull(subscription)
    # Someone deleted a row at the ISP by hand: the next delta's digest will not match.
    Entry.objects.filter(organisation=bayon).first().delete()  # type: ignore[union-attr]
    import_text(acme, iwf, LIST + "http://fresh.example/z\n")
    subscription.refresh_from_db()
    result = subscription_pull(subscription)
    assert result.full and result.version == 2
    assert Entry.objects.filter(organisation=bayon).count() == 3


def test_pull_command_writes_rpz_and_runs_the_reload_command(
    acme: Organisation, bayon: Organisation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.management import call_command

    from karpear.blocklist import pull, services

    iwf = register(acme)
    add_domain(acme, iwf, "whole.example", "IWF-D-1")
    token = tmp_path / "token"
    token.write_text("kp_unused")
    call_command(
        "blocklist",
        "--org",
        "bayon",
        "subscribe",
        "hotline",
        "--url",
        "http://publisher.test",
        "--token-file",
        str(token),
        "--public-key",
        signing.public_key_b64(),
    )
    envelope = services.published_list(acme)
    monkeypatch.setattr(pull, "_fetch", lambda sub, since: json.dumps(envelope).encode())
    marker = tmp_path / "reloaded"
    rpz = tmp_path / "rpz.zone"
    call_command(
        "blocklist",
        "--org",
        "bayon",
        "pull",
        "--rpz",
        str(rpz),
        "--splash-a",
        "192.0.2.10",
        "--reload-command",
        f"touch {marker}",
    )
    assert marker.exists()
    zone = rpz.read_text()
    assert "whole.example A 192.0.2.10" in zone and "*.whole.example A 192.0.2.10" in zone


@pytest.mark.django_db(transaction=True)
def test_a_list_that_fails_half_way_changes_nothing(
    acme: Organisation,
    bayon: Organisation,
    subscription: Subscription,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from karpear.blocklist import pull, services

    iwf = register(acme)
    import_text(acme, iwf, LIST)
    subscription_pull(subscription)
    before = sorted(Entry.objects.filter(organisation=bayon).values_list("remote_id", "value"))
    # A correctly signed full list whose digest does not match its entries: the
    # pull deletes our copy and inserts the new one before it can check, so only
    # the transaction keeps the old list.
    import_text(acme, iwf, "http://fresh.example/a\nhttp://fresh.example/b\n")
    payload = services.published_list(acme)["payload"]
    payload["digest"] = "0" * 64
    body = json.dumps(signing.sign(payload)).encode()
    monkeypatch.setattr(pull, "_fetch", lambda sub, since: body)
    subscription.refresh_from_db()
    with pytest.raises(PullError, match="digest"):
        subscription_pull(subscription, force_full=True)
    after = sorted(Entry.objects.filter(organisation=bayon).values_list("remote_id", "value"))
    assert after == before
    subscription.refresh_from_db()
    assert subscription.version == 1
    assert check_url(bayon, "http://bad.example/gallery/1.html")
    assert check_url(bayon, "http://fresh.example/a") is None


@pytest.mark.django_db(transaction=True)
def test_a_publisher_that_forgot_our_version_sends_the_full_list(
    acme: Organisation, bayon: Organisation, subscription: Subscription
) -> None:
    import_text(acme, register(acme), LIST)
    subscription_pull(subscription)
    Subscription.objects.filter(pk=subscription.pk).update(version=7)  # ahead of the publisher
    subscription.refresh_from_db()
    result = subscription_pull(subscription)
    assert result.full and result.version == 1
    assert Entry.objects.filter(organisation=bayon).count() == 2
