"""The regulator's pages in a real browser at 360 px (issue #20): the public sector summary in
Khmer and English without JavaScript, the sector dashboard and the company's Compliance page
with its regulator panel, all with 0 axe WCAG 2.2 AA violations and no sideways scrolling."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from karpear.orgs.models import Organisation
from karpear.orgs.services import organisation_create
from karpear.regulator.models import Channel
from karpear.regulator.receipt import submission_receive
from karpear.regulator.registry import period_define
from karpear.regulator.rfi import rfi_send
from karpear.staff.models import Role
from tests.browser.conftest import axe_violations
from tests.browser.test_desk_browser import _sign_in
from tests.cast import Person, _person
from tests.regulator.world import register, signed, small_payload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_regulator_pages_pass_axe_at_phone_width(
    page: Any, acme: Organisation, compliance: Person
) -> None:
    # The live server answers at "localhost": the regulator's host name here.
    mptc = organisation_create(
        name="MPTC", slug="mptc", domain="localhost", kind=Organisation.Kind.REGULATOR
    )
    head, reviewer = _person(mptc, "kosal", Role.HEAD), _person(mptc, "bopha", Role.REVIEWER)
    year = str(timezone.localdate().year)
    period_define(member=head.member, label=year, due=timezone.localdate() - timedelta(days=1))
    company = register(head, acme)
    register(head, None, slug="late-co")
    published = {
        "format": "karpear-transparency-report/1",
        "period": {"start": f"{year}-01-01", "end": f"{year}-06-30"},
        "figures": {"reports": {"total": 25}, "notices": {"total": "<10"}},
    }
    submission_receive(
        company=company,
        period_label=year,
        envelope=signed(small_payload()),
        transparency=published,
        channel=Channel.API,
    )
    rfi_send(
        member=reviewer.member,
        company_id=company.pk,
        question="Send the procedure.",
        deadline=timezone.localdate() + timedelta(days=5),
    )

    failures = {}
    for path in ("/sector/", "/en/sector/"):
        page.goto(page.base + path)
        failures[path] = axe_violations(page) + ([] if _fits(page) else ["wider than 360 px"])
    _sign_in(page, reviewer)
    for path in ("/en/desk/regulator/", f"/en/desk/regulator/companies/{company.pk}/"):
        page.goto(page.base + path)
        failures[path] = axe_violations(page)
    page.context.clear_cookies()
    _sign_in(page, compliance)
    page.goto(page.base + "/en/desk/compliance/")
    assert "Send the procedure." in page.content()
    failures["compliance"] = axe_violations(page)
    assert all(not v for v in failures.values()), failures
