"""The host -> organisation cache (issue #24, item: one DB lookup per public request).

A changed domain must take effect: at once in the process that saved it, and within
KARPEAR_ORG_HOST_CACHE_SECONDS in every other process.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from karpear.orgs.models import Organisation
from karpear.orgs.services import organisation_for_host
from tests.conftest import BAYON_HOST, Client


def test_a_known_host_costs_no_query_after_the_first_request(
    acme: Organisation, bayon: Organisation, django_assert_num_queries: Any
) -> None:
    assert organisation_for_host(BAYON_HOST) == bayon
    with django_assert_num_queries(0):
        assert organisation_for_host(BAYON_HOST.upper() + ":443") == bayon


def test_a_changed_domain_takes_effect_in_this_process_at_once(
    acme: Organisation, bayon: Organisation
) -> None:
    bayon_client = Client(HTTP_HOST=BAYON_HOST)
    assert "Bayon Social" in bayon_client.get("/en/").content.decode()
    bayon.domain = "nobody.test"
    bayon.save()  # the admin's path
    html = bayon_client.get("/en/").content.decode()
    assert "Acme Mobile" in html and "Bayon Social" not in html
    assert "Bayon Social" in Client(HTTP_HOST="nobody.test").get("/en/").content.decode()


def test_another_processs_change_takes_effect_within_the_ttl(
    acme: Organisation, bayon: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert organisation_for_host(BAYON_HOST) == bayon
    # Another process changes the domain: no signal reaches this one.
    Organisation.objects.filter(pk=bayon.pk).update(domain="nobody.test")
    assert organisation_for_host(BAYON_HOST) == bayon  # still cached, within the TTL
    later = time.monotonic() + 31
    monkeypatch.setattr(time, "monotonic", lambda: later)  # the clock, not the cache
    assert organisation_for_host(BAYON_HOST) == acme


def test_a_deleted_default_is_forgotten(acme: Organisation) -> None:
    assert organisation_for_host("anything.test") == acme
    acme.delete()
    assert organisation_for_host("anything.test") is None


def test_callers_get_a_copy(acme: Organisation) -> None:
    first = organisation_for_host("anything.test")
    assert first is not None
    first.name = "changed by a view"
    second = organisation_for_host("anything.test")
    assert second is not None and second.name == "Acme Mobile"


def test_ttl_zero_turns_the_cache_off(
    acme: Organisation, bayon: Organisation, settings: Any
) -> None:
    settings.KARPEAR_ORG_HOST_CACHE_SECONDS = 0
    assert organisation_for_host(BAYON_HOST) == bayon
    Organisation.objects.filter(pk=bayon.pk).update(domain="nobody.test")
    assert organisation_for_host(BAYON_HOST) == acme
