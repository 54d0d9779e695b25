"""Upgrading past referrals migration 0007: keys bound to a service's inbox take the
`service` scope, and only they (an ACU key of the same organisation stays `issuer`)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import apikey_create
from karpear.orgs.models import Organisation
from tests.cast import Person
from tests.referrals.helpers import service_key
from tests.referrals.test_child_referral import HELPLINE

BEFORE = [("referrals", "0006_service_inbox")]


@pytest.mark.django_db(transaction=True)
def test_the_keys_bound_to_a_service_and_only_they_take_the_service_scope(
    acme: Organisation, lead: Person, admin: Person
) -> None:
    token = service_key(acme, HELPLINE, lead, admin)
    acu, _ = apikey_create(organisation=acme, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # as the key was before the upgrade
    prefix = token.split("_")[2]
    assert ApiKey.objects.get(prefix=prefix).scope == Scope.ISSUER
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert ApiKey.objects.get(prefix=prefix).scope == Scope.SERVICE
    assert ApiKey.objects.get(pk=acu.pk).scope == Scope.ISSUER
