"""Statements per report and per notice (issue #24: intake throughput).

Every statement is a round trip inside the transaction that must commit before the
acknowledgement; these bounds keep the figures reached from creeping back up. The
durability side (nothing acknowledged is lost) is the SIGKILL tests' job.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.audit.services import audit_verify
from karpear.cases.models import Case, CaseReport
from karpear.notices.models import Action, Issuer, Notice
from karpear.notices.services import (
    ItemIn,
    NoticeSpec,
    issuer_for_key,
    notice_receive,
    notices_receive,
)
from karpear.orgs.models import Organisation
from karpear.platformlink.services import link_configure
from karpear.reports.models import Channel
from karpear.reports.services import report_submit
from tests.cast import report_data


def _report(org: Organisation, url: str) -> Any:
    return report_submit(
        organisation=org,
        channel=Channel.WEB,
        data=report_data(url, category="sexual_image", reporter_is_child=True),
    )


@pytest.mark.parametrize("existing", [False, True], ids=["new case", "joins a case"])
def test_a_report_takes_few_statements(
    acme: Organisation, existing: bool, django_assert_max_num_queries: Any
) -> None:
    if existing:
        _report(acme, "https://social.example/p/9")
    # Was 11 (new case) and 9 (joining) with BEGIN/COMMIT (here SAVEPOINT/RELEASE). On
    # PostgreSQL the report with its items, and the case with its SLA, event, link and counter,
    # are one statement each (issue #24, q1), and since s1 one statement together (between this
    # test's SAVEPOINT and RELEASE); SQLite (development) keeps the ORM's statements.
    bound = 3 if connection.vendor == "postgresql" else (11 if not existing else 8)
    with django_assert_max_num_queries(bound):
        report, created = _report(acme, "https://social.example/p/9")
    assert created
    assert CaseReport.objects.filter(report=report).count() == 1
    assert audit_verify().ok


@pytest.fixture
def acu(acme: Organisation) -> Issuer:
    link_configure(
        organisation=acme, webhook_url="http://127.0.0.1:9/hook", hosted_domains=["social.example"]
    )
    key = apikey_create(organisation=acme, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")[0]
    issuer = issuer_for_key(key)
    notice_receive(
        issuer=issuer,
        issuer_reference="warm",
        legal_basis="art. 41",
        items=[ItemIn(platform_content_id="post:0")],
        actions=[Action.TAKEDOWN],
        deadline=None,
    )
    return issuer


# Was 38 (two audit entries at 5 each, nested savepoints, a re-read organisation, a reporter
# lookup on a case just opened), then 25, then 13; now, on PostgreSQL, 7 for one notice
# whatever its number of items, SAVEPOINT/RELEASE (BEGIN/COMMIT in production) included: the
# notice; the cases' lock with the SLA and the new cases' and decisions' ids; the cases,
# decisions, timeline, webhooks and the notice's items in one statement; the audit head's lock;
# the audit entries with the head's move (issue #24, s2). Since u1, 6: the audit head is locked
# and read by the statement of the rows. SQLite (development) keeps one statement per table:
# 13 (docs/architecture.md "Hot paths").
def notice_statements() -> int:
    return 6 if connection.vendor == "postgresql" else 13


# Whatever the number of items, as long as each INSERT fits Django's SQLite limit of 999
# parameters (beyond it, SQLite's inserts go in chunks; PostgreSQL's do not).
@pytest.mark.parametrize("items", [1, 10], ids=["one item", "10 items"])
def test_a_notice_takes_few_statements(
    acu: Issuer, items: int, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(notice_statements()):
        notice, created = notice_receive(
            issuer=acu,
            issuer_reference="ACU/1",
            legal_basis="art. 41",
            items=[ItemIn(platform_content_id=f"post:{n}") for n in range(1, items + 1)],
            actions=[Action.TAKEDOWN],
            deadline=None,
        )
    assert created and notice.acted_at is not None
    assert Case.objects.filter(source="notice").count() == items + 1
    assert audit_verify().ok


def test_a_batch_of_notices_takes_the_statements_of_one(
    acu: Issuer, django_assert_max_num_queries: Any
) -> None:
    batch = [
        NoticeSpec(
            issuer_reference=f"ACU/{n}",
            legal_basis="art. 41",
            items=[ItemIn(url=f"https://social.example/p/{n}")],
            actions=[Action.TAKEDOWN],
        )
        for n in range(10)
    ]
    # Two more than a notice: the read of references already used (a single notice learns
    # that from its INSERT), and the platform link's host names (read for links only).
    with django_assert_max_num_queries(notice_statements() + 2):
        results = notices_receive(issuer=acu, notices=batch)
    assert [r.created for r in results] == [True] * 10
    assert Case.objects.filter(source="notice").count() == 11
    assert audit_verify().ok


def test_a_notice_of_the_most_items_allowed_takes_the_same_statements(
    acu: Issuer, settings: Any, django_assert_max_num_queries: Any
) -> None:
    # One array per column (UNNEST), so the largest notice fits one statement on PostgreSQL:
    # one placeholder per value would pass its 65,535-parameter limit at ~1,000 items. SQLite
    # splits a bulk INSERT into chunks of 999 parameters: no bound there.
    n = settings.KARPEAR_NOTICE_MAX_ITEMS
    bound = notice_statements() if connection.vendor == "postgresql" else 10_000
    with django_assert_max_num_queries(bound):
        notice, created = notice_receive(
            issuer=acu,
            issuer_reference="ACU/big",
            legal_basis="art. 41",
            items=[ItemIn(platform_content_id=f"post:big-{k}") for k in range(n)],
            actions=[Action.TAKEDOWN],
            deadline=None,
        )
    assert created
    assert notice.items.filter(status="isolated", decision_id__isnull=False).count() == n
    assert Case.objects.filter(source="notice", state="isolated").count() == n + 1
    assert audit_verify().ok


def test_a_notice_request_takes_the_notices_statements_and_one_for_the_key(
    acme: Organisation, client: Any, django_assert_max_num_queries: Any
) -> None:
    """The whole `POST /api/v1/notices`: the key check reads the key, its organisation and
    its issuer in ONE statement (`notices.services.ISSUER_WITH_KEY`), and nothing re-reads the
    organisation inside the transaction (issue #24, u1: was 3 statements around the notice's
    7, the key, the issuer, the issuer's organisation)."""
    from tests.notices.helpers import linked_issuer_token, notice, post

    token = linked_issuer_token(acme)
    warm = post(client, token, "/api/v1/notices", notice("warm", {"platform_content_id": "p:0"}))
    assert warm.status_code == 201, warm.content
    # SQLite (development) reads the issuer with a statement of its own (no LATERAL join).
    key_statements = 1 if connection.vendor == "postgresql" else 2
    with django_assert_max_num_queries(notice_statements() + key_statements):
        sent = post(client, token, "/api/v1/notices", notice("R/1", {"platform_content_id": "p:1"}))
    assert sent.status_code == 201, sent.content
    assert sent.json()["issuer"] == "Anti-Cybercrime Unit"
    assert audit_verify().ok


def test_a_revoked_key_or_inactive_issuer_is_refused_at_once(
    acme: Organisation, client: Any
) -> None:
    """The issuer read with the key is read again on every request: no cache lets a revoked
    key or a deactivated issuer through (issue #24, u1)."""
    from karpear.apikeys.models import ApiKey
    from karpear.apikeys.services import apikey_revoke
    from tests.notices.helpers import linked_issuer_token, notice, post

    token = linked_issuer_token(acme)
    first = post(client, token, "/api/v1/notices", notice("A/1", {"platform_content_id": "p:1"}))
    assert first.status_code == 201
    Issuer.objects.filter(organisation=acme, name="Anti-Cybercrime Unit").update(active=False)
    inactive = post(client, token, "/api/v1/notices", notice("A/2", {"platform_content_id": "p:2"}))
    assert inactive.status_code == 403
    Issuer.objects.filter(organisation=acme, name="Anti-Cybercrime Unit").update(active=True)
    apikey_revoke(key=ApiKey.objects.get(organisation=acme, scope=Scope.ISSUER))
    revoked = post(client, token, "/api/v1/notices", notice("A/3", {"platform_content_id": "p:3"}))
    assert revoked.status_code == 401
    assert list(Notice.objects.values_list("issuer_reference", flat=True)) == ["A/1"]
