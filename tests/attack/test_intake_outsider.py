"""An outsider's attack on the intake hot paths rewritten for issue #24.

Report intake (raw SQL on PostgreSQL, the ORM on SQLite) and notice intake (one statement per
table for a whole batch) must give the rows the per-item ORM path gave, on both databases:
these tests state the observable results (report status, case, timeline, webhooks, audit) and
run unchanged on SQLite and PostgreSQL, so the two paths are held to the same answer.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.cases.models import Case, CaseReport
from karpear.orgs.models import Organisation
from karpear.platformlink.services import link_configure
from karpear.reports.models import Report
from tests.cases.test_intake_statement import _submit
from tests.conftest import Client


def _post(client: Client, token: str, path: str, body: Any, **extra: Any) -> Any:
    return client.post(
        path,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **extra,
    )


def _notice(ref: str, *items: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"issuer_reference": ref, "legal_basis": "Order 41", "items": list(items), **extra}


@pytest.fixture
def acu(acme: Organisation) -> str:
    link_configure(
        organisation=acme, webhook_url="http://127.0.0.1:9/hook", hosted_domains=["social.example"]
    )
    return apikey_create(organisation=acme, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")[1]


def test_a_report_joining_a_case_a_notice_isolated_shows_its_status(
    client: Client, acu: str, acme: Organisation
) -> None:
    """A notice opened the case (no reporter yet, report_count 0) and isolated the content; a
    reporter who then sends the same link joins it and must see "checking", as a reporter
    joining any other acted-on case does, not the "received" of a case nobody touched."""
    sent = _post(
        client, acu, "/api/v1/notices", _notice("ACU/1", {"url": "https://social.example/p/1"})
    )
    assert sent.status_code == 201
    report = _submit(acme, "https://social.example/p/1")
    case = CaseReport.objects.select_related("case").get(report=report).case
    assert case.source == "notice" and case.report_count == 1
    assert Report.objects.get(pk=report.pk).status == "checking"
    # A second reporter on the same case: the same answer, counted once each.
    second = _submit(acme, "https://social.example/p/1")
    assert Report.objects.get(pk=second.pk).status == "checking"
    assert Case.objects.get(pk=case.pk).report_count == 2
