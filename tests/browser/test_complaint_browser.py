"""The public complaint page in a real browser: WCAG 2.2 AA by axe in both languages, and a
complaint sent with JavaScript off (issue #17, item 6)."""

from __future__ import annotations

from typing import Any

import pytest

from karpear.cases.decisions import decision_code
from karpear.complaints.models import Complaint
from tests.browser.conftest import axe_violations, click_through

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_state_of_the_complaint_page_passes_axe(page: Any, settings: Any, acme: Any) -> None:
    settings.KARPEAR_RATE_COMPLAINTS = "100/60"
    failures = {}
    for prefix in ["/", "/en/"]:
        page.goto(page.base + prefix + "contest/")
        failures[f"{prefix} form"] = axe_violations(page)
        click_through(page, "button[type=submit]")
        failures[f"{prefix} errors"] = axe_violations(page)
        page.fill("#id_code", "D1-AAAAA-AAAAA")
        click_through(page, "button[type=submit]")
        failures[f"{prefix} wrong code"] = axe_violations(page)
    assert {name: v for name, v in failures.items() if v} == {}


def test_a_complaint_is_sent_without_javascript_and_gets_a_receipt(
    nojs_page: Any, acme: Any, analyst: Any
) -> None:
    from tests.complaints.helpers import a_ban

    ban = a_ban(acme, analyst)
    nojs_page.goto(nojs_page.base + f"/en/contest/?code={decision_code(ban)}")
    nojs_page.fill("#id_reason", "It was my cousin.")
    click_through(nojs_page, "button[type=submit]")
    complaint = Complaint.objects.get()
    assert complaint.reference in nojs_page.content()
