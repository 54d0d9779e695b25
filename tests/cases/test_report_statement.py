"""A report and its case in one autocommitted statement on PostgreSQL (issue #24).

Outside a transaction (as a web request is), report_submit sends one statement and no
BEGIN / COMMIT; the report is committed with its case when it returns. An organisation with
a platform link keeps the transactional path (isolation on receipt writes in the same
transaction), and nothing is written twice.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from karpear.cases.models import Case, CaseEvent, CaseReport
from karpear.cases.reportwrite import report_and_case_write
from karpear.orgs.models import Organisation
from karpear.platformlink.services import link_configure
from karpear.reports.models import Channel, Report, ReportedItem
from karpear.reports.services import report_submit
from tests.cast import report_data

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the statement is PostgreSQL's"
)


def _submit(org: Organisation, url: str, token: str = "") -> tuple[Report, bool]:
    return report_submit(
        organisation=org,
        channel=Channel.IN_APP,
        data=report_data(url, description="%s %(x)s ' \""),
        submission_token=token,
        caller="client:x" if token else "",
        fingerprint="f" if token else "",
    )


@pytest.mark.django_db(transaction=True)  # autocommit, as in a request
def test_a_report_and_its_new_case_are_one_statement_and_no_transaction(
    acme: Organisation,
) -> None:
    with CaptureQueriesContext(connection) as queries:
        report, created = _submit(acme, "https://social.example/p/1")
    assert created
    assert len(queries.captured_queries) == 1  # no SAVEPOINT, no second statement
    assert connection.get_autocommit()  # and no BEGIN … COMMIT around it
    link = CaseReport.objects.select_related("case").get(report=report)
    assert link.case.report_count == 1 and link.case.organisation_id == acme.pk
    assert CaseEvent.objects.get(case=link.case, kind="opened").detail == {
        "report": report.reference
    }
    stored = Report.objects.get(pk=report.pk)
    assert stored.status == "received" and stored.description == "%s %(x)s ' \""
    assert sorted(i.pk for i in report.items.all()) == sorted(
        ReportedItem.objects.filter(report=report).values_list("pk", flat=True)
    )


def test_a_second_report_joins_and_another_organisation_opens_its_own(
    acme: Organisation, bayon: Organisation
) -> None:
    first, _c = _submit(acme, "https://social.example/p/2")
    second, _c = _submit(acme, "https://social.example/p/2#again")
    theirs, _c = _submit(bayon, "https://social.example/p/2")
    case = CaseReport.objects.get(report=first).case
    assert CaseReport.objects.get(report=second).case == case
    assert Case.objects.get(pk=case.pk).report_count == 2
    other = CaseReport.objects.get(report=theirs).case
    assert other.pk != case.pk and other.organisation_id == bayon.pk


def test_with_a_platform_link_nothing_is_written_by_the_statement(acme: Organisation) -> None:
    link_configure(
        organisation=acme, webhook_url="http://127.0.0.1:9/hook", hosted_domains=["x.example"]
    )
    values: dict[str, Any] = {
        "organisation_id": acme.pk,
        "channel": Channel.IN_APP,
        "category": "grooming",
        "language": "km",
        "reference": "ZZZZ-ZZZZ-ZZZZ",
        "received_at": timezone.now().replace(microsecond=0),
    }
    row = {"organisation_id": acme.pk, "url": "https://x.example/1", "app_name": ""}
    assert report_and_case_write(values=values, rows=[row], organisation=acme) is None
    assert not Report.objects.exists() and not Case.objects.exists()
    report, created = _submit(acme, "https://social.example/p/3")  # the transactional path
    assert created and CaseReport.objects.filter(report=report).count() == 1


def test_a_clash_leaves_no_case_behind(acme: Organisation) -> None:
    report, _c = _submit(acme, "https://social.example/p/4")
    values: dict[str, Any] = {
        "organisation_id": acme.pk,
        "channel": Channel.IN_APP,
        "category": "grooming",
        "language": "km",
        "reference": report.reference,  # taken: the whole statement is rolled back
        "received_at": timezone.now().replace(microsecond=0),
    }
    row = {"organisation_id": acme.pk, "url": "https://new.example/", "app_name": ""}
    with pytest.raises(IntegrityError):
        report_and_case_write(values=values, rows=[row], organisation=acme)
    assert Case.objects.count() == 1 and Report.objects.count() == 1
    assert ReportedItem.objects.count() == 1


def test_a_retried_key_returns_the_first_report(acme: Organisation) -> None:
    first, created = _submit(acme, "https://social.example/p/5", token="k1")
    again, again_created = _submit(acme, "https://social.example/p/5", token="k1")
    assert (created, again_created) == (True, False) and again.pk == first.pk
    assert Report.objects.count() == 1 and CaseReport.objects.count() == 1
