"""The compliance officer in a real browser without JavaScript, and the pages under axe."""

from __future__ import annotations

from typing import Any

import pytest

from karpear.compliance.models import Assessment, Product
from karpear.compliance.services import current_answers
from karpear.orgs.models import Organisation
from tests.browser.conftest import axe_violations, click_through
from tests.browser.test_desk_browser import _sign_in
from tests.cast import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_officer_answers_a_risk_and_an_na_without_javascript(
    nojs_page: Any, acme: Organisation, compliance: Person
) -> None:
    page = nojs_page
    Product.objects.create(organisation=acme, name="Chat app")
    _sign_in(page, compliance)
    assert page.url.endswith("/en/desk/compliance/")
    click_through(page, "fieldset:has-text('Child rights impact assessment') button[type=submit]")
    cria = Assessment.objects.get(framework_id="cria")
    page.goto(page.base + f"/en/desk/compliance/{cria.pk}/items/R-1/")
    for band in ("0-5", "6-9"):
        page.select_option(f"#l-{band}", "0")
    for band in ("10-12", "13-15", "16-17"):
        page.select_option(f"#l-{band}", "3")
        page.select_option(f"#s-{band}", "4")
    page.fill("#note", "Strangers cannot message under-16s")
    click_through(page, "text=Save the answer")
    assert "Write the action you plan" in page.inner_text("main")  # 3 x 4 = 12: high risk
    page.fill("#action", "Age checks at sign-up")
    page.fill("#owner", "Product manager")
    page.fill("#due", "2027-03-31")
    click_through(page, "text=Save the answer")
    assert page.url.endswith(f"/en/desk/compliance/{cria.pk}/")
    answer = current_answers(cria)["R-1"]
    assert (answer.value or {})["13-15"] == {"likelihood": 3, "severity": 4}

    page.goto(page.base + f"/en/desk/compliance/{cria.pk}/items/M-2/")
    page.check("input[name=choice][value=na]")
    page.fill("#reason", "No parents' group exists yet")
    click_through(page, "text=Save the answer")
    assert current_answers(cria)["M-2"].not_applicable


def test_compliance_pages_pass_axe_wcag_22_aa(
    page: Any, acme: Organisation, compliance: Person
) -> None:
    Product.objects.create(organisation=acme, name="Chat app")
    _sign_in(page, compliance)
    click_through(page, "fieldset:has-text('COP compliance checklist') button[type=submit]")
    cop = Assessment.objects.get(framework_id="cop-checklist")
    failures = {}
    for path in (
        "/en/desk/compliance/",
        f"/en/desk/compliance/{cop.pk}/",
        f"/en/desk/compliance/{cop.pk}/items/COP-24/",
        f"/en/desk/compliance/{cop.pk}/report/",
        "/en/desk/compliance/policies/",
        f"/desk/compliance/{cop.pk}/",
    ):
        page.goto(page.base + path)
        failures[path] = axe_violations(page)
    assert all(not v for v in failures.values()), failures


def test_transparency_pages_pass_axe_wcag_22_aa(
    page: Any, acme: Organisation, compliance: Person
) -> None:
    from datetime import date

    from karpear.transparency.services import report_publish

    text = {
        h: {"en": f"{h} text", "km": f"{h} អត្ថបទ"} for h in ("policies", "processes", "outcomes")
    }
    report = report_publish(
        member=compliance.member, start=date(2025, 1, 1), end=date(2025, 12, 31), narrative=text
    )
    failures = {}
    for path in ("/transparency/", f"/transparency/{report.pk}/", f"/en/transparency/{report.pk}/"):
        page.goto(page.base + path)
        failures[path] = axe_violations(page)
    assert all(not v for v in failures.values()), failures
    _sign_in(page, compliance)
    page.goto(page.base + "/en/desk/transparency/?start=2025-01-01&end=2025-12-31")
    assert axe_violations(page) == []
    # The officer writes the narrative, checks the preview, and confirms (issue #16, item 5).
    page.goto(page.base + "/en/desk/transparency/?start=2026-01-01&end=2026-06-30")
    for h in ("policies", "processes", "outcomes"):
        assert page.input_value(f"#{h}_en") == ""
        page.fill(f"#{h}_en", f"What we did: {h}.")
        page.fill(f"#{h}_km", f"អ្វីដែលយើងបានធ្វើ៖ {h}។")
    click_through(page, "text=Preview before publishing")
    assert page.is_visible("text=Confirm and publish")
    assert axe_violations(page) == []
    click_through(page, "text=Confirm and publish")
    assert "/en/transparency/" in page.url
    assert page.is_visible("text=What we did: outcomes.")
