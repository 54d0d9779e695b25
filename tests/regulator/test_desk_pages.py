"""The regulator's desk pages read a fixed number of queries however large the registry grows
(issue #20, item 4), and list pages never load the packages themselves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from karpear.regulator.models import Channel, RegisteredCompany
from karpear.regulator.receipt import submission_receive
from karpear.regulator.registry import period_define
from karpear.regulator.rfi import rfi_send
from tests.cast import Person, sign_in
from tests.regulator.world import register, signed, small_payload

pytestmark = pytest.mark.django_db
PAGES = ("/en/desk/regulator/", "/en/desk/regulator/companies/", "/en/desk/regulator/upload/")


def _report(company: RegisteredCompany, reviewer: Person, times: int = 2) -> None:
    """Submissions (each a new package) and a request each, through the real services."""
    for _ in range(times):
        submission_receive(
            company=company,
            period_label=str(timezone.localdate().year),
            envelope=signed(small_payload(company.slug, timezone.now().isoformat()), company.slug),
            channel=Channel.API,
        )
        rfi_send(
            member=reviewer.member,
            company_id=company.pk,
            question="Why?",
            deadline=timezone.localdate() + timedelta(days=14),
        )


def _company_that_reported(head: Person, reviewer: Person, slug: str) -> RegisteredCompany:
    company = register(head, None, slug=slug)
    _report(company, reviewer)
    return company


def _queries(client: object, path: str) -> tuple[int, str]:
    client.get(path)  # type: ignore[attr-defined]  # warm the per-process host cache (orgs)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(path)  # type: ignore[attr-defined]
    assert page.status_code == 200, path
    return len(queries), page.content.decode()


def test_the_dashboard_registry_and_upload_pages_use_a_fixed_number_of_queries(
    head: Person, reviewer: Person
) -> None:
    period_define(
        member=head.member,
        label=str(timezone.localdate().year),
        due=timezone.localdate() + timedelta(days=30),
    )
    _company_that_reported(head, reviewer, "first-co")
    desk = sign_in(reviewer, host="mptc.test")
    few = {path: _queries(desk, path)[0] for path in PAGES}
    for n in range(4):
        _company_that_reported(head, reviewer, f"more-co-{n}")
    for path in PAGES:
        count, page = _queries(desk, path)
        assert count == few[path], path
        assert "More-Co-3 Company" in page, path


def test_a_company_page_uses_a_fixed_number_of_queries(head: Person, reviewer: Person) -> None:
    period_define(
        member=head.member,
        label=str(timezone.localdate().year),
        due=timezone.localdate() + timedelta(days=30),
    )
    company = _company_that_reported(head, reviewer, "first-co")
    desk = sign_in(reviewer, host="mptc.test")
    path = f"/en/desk/regulator/companies/{company.pk}/"
    few, _ = _queries(desk, path)
    _report(company, reviewer, times=4)
    many, page = _queries(desk, path)
    assert many == few
    assert page.count("Why?") == 6


def test_the_list_pages_never_load_the_packages(head: Person, reviewer: Person) -> None:
    period_define(
        member=head.member,
        label=str(timezone.localdate().year),
        due=timezone.localdate() + timedelta(days=30),
    )
    company = _company_that_reported(head, reviewer, "first-co")
    desk = sign_in(reviewer, host="mptc.test")
    for path in (*PAGES, f"/en/desk/regulator/companies/{company.pk}/"):
        desk.get(path)
        with CaptureQueriesContext(connection) as queries:
            desk.get(path)
        read = " ".join(q["sql"] for q in queries.captured_queries if "submission" in q["sql"])
        assert '"envelope"' not in read and '"transparency"' not in read, path
