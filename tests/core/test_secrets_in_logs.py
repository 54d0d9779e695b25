"""Secrets never reach logs: not the SQL log, not application logs (issue #15, items 10-11).

Django logs every query with its parameters when DEBUG is on (logger
django.db.backends); encrypting and hashing before the query means even that
log carries no TOTP seed, webhook secret or session key.
"""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from karpear.orgs.models import Organisation
from karpear.platformlink.services import deliver_due, link_configure, link_rotate_secret
from karpear.staff.services import totp_secret
from tests.cast import Person, sign_in


def test_no_query_carries_a_seed_a_webhook_secret_or_a_session_key(
    acme: Organisation, analyst: Person, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with CaptureQueriesContext(connection) as queries:
        client = sign_in(analyst)
        client.get("/en/desk/queue/")
        _link, first = link_configure(
            organisation=acme, webhook_url="http://127.0.0.1:9/hook", hosted_domains=[]
        )
        second = link_rotate_secret(organisation=acme)
        deliver_due()  # nothing listens on port 9: the failure is logged and stored
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    secrets = [
        analyst.device.key,
        totp_secret(analyst.device),
        first,
        second,
        first.removeprefix("whsec_"),
        cookie,
    ]
    logged = "\n".join(q["sql"] for q in queries.captured_queries) + caplog.text
    assert len(queries.captured_queries) > 10
    assert [s for s in secrets if s in logged] == []
