"""Webhook signing secrets are encrypted at rest and still sign (issue #15, item 11)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from karpear.core.crypto import decrypt_text
from karpear.orgs.models import Organisation
from karpear.platformlink.models import PlatformLink
from karpear.platformlink.services import link_configure, link_rotate_secret


def _raw(column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM platformlink_platformlink WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_the_database_holds_no_webhook_secret_in_clear(acme: Organisation) -> None:
    link, secret = link_configure(
        organisation=acme, webhook_url="https://platform.example/hook", hosted_domains=[]
    )
    assert secret.startswith("whsec_")
    assert secret not in _raw("secret", link.pk) and decrypt_text(_raw("secret", link.pk)) == secret
    new_secret = link_rotate_secret(organisation=acme)
    stored = PlatformLink.objects.get(pk=link.pk)
    assert (stored.secret, stored.previous_secret) == (new_secret, secret)
    assert secret not in _raw("previous_secret", link.pk)
    assert new_secret not in _raw("secret", link.pk)


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_secrets_and_can_be_undone(acme: Organisation) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("platformlink", "0001_initial")])
    old = executor.loader.project_state([("platformlink", "0001_initial")]).apps
    link: Any = old.get_model("platformlink", "PlatformLink").objects.create(
        organisation_id=acme.pk,
        webhook_url="https://platform.example/hook",
        secret="whsec_plain-old-secret",
        previous_secret="",
    )
    try:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        assert "plain-old" not in _raw("secret", link.pk)
        assert _raw("previous_secret", link.pk) == ""
        assert PlatformLink.objects.get(pk=link.pk).secret == "whsec_plain-old-secret"
        executor = MigrationExecutor(connection)
        executor.migrate([("platformlink", "0001_initial")])
        assert _raw("secret", link.pk) == "whsec_plain-old-secret"
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
