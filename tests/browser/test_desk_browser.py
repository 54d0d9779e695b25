"""An analyst signs in with a code and works a case end to end, in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from karpear.audit.services import audit_verify
from karpear.cases.models import Case, State
from karpear.orgs.models import Organisation
from tests.browser.conftest import axe_violations, click_through
from tests.cast import PASSWORD, Person, make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, person: Person) -> None:
    page.goto(page.base + "/en/desk/login/")
    page.fill("#id_username", person.username)
    page.fill("#id_password", PASSWORD)
    click_through(page, "button[type=submit]")
    page.fill("#id_code", person.code())
    click_through(page, "main button[type=submit]")


def _minutes_ago(minutes: int) -> str:
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.localtime() - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def _step(page: Any, to_state: str, reason: str, ground: str = "", clause: str = "") -> None:
    page.select_option("#id_to_state", to_state)
    if ground:
        page.select_option("#id_step_ground", ground)
        page.fill("#id_step_clause", clause)
    page.fill("#id_reason", reason)
    click_through(page, "text=Save the step")


def test_an_analyst_works_a_case_from_received_to_closed(
    nojs_page: Any, acme: Organisation, analyst: Person, lead: Person
) -> None:
    from karpear.cases.services import case_assign
    from tests.evidence.conftest import screen

    page = nojs_page
    case = make_case(acme, url="https://social.example/p/404")
    # The exact link is shown only to a screened person working the case (issue #15).
    screen(analyst)
    case = case_assign(
        case=case, member=lead.member, assignee=analyst.member, expected_version=case.version
    )
    _sign_in(page, analyst)
    assert page.url.endswith("/en/desk/queue/")
    click_through(page, f"text=#{case.pk}")
    assert "hxxps://social[.]example/p/404" in page.inner_text("main")

    _step(page, "in_review", "first look")
    _step(page, "isolated", "isolated until assessed (2.6)")  # no ground chosen: refused
    assert "Choose the ground" in page.inner_text("main")
    _step(page, "isolated", "isolated until assessed (2.6)", "terms", "Terms 3.1")
    page.check("#auth_acu")
    page.fill("#ref_acu", "ACU-77")
    _step(page, "referred", "sent to the Anti-Cybercrime Unit")
    _step(page, "confirmed_illegal", "confirmed by ACU", "law", "Criminal Code art. 41")
    page.select_option("#id_ground", "terms")
    page.fill("#id_account_id", "user:9001")
    page.fill("#id_clause", "Terms 3.1: no sexual content involving children")
    click_through(page, "text=Record the decision")
    _step(page, "closed", "done")

    case.refresh_from_db()
    assert case.state == State.CLOSED
    kinds = sorted(case.decisions.values_list("kind", flat=True))
    assert kinds == ["account_warning", "content_isolate", "content_remove"]
    assert audit_verify().ok


def test_the_lead_records_a_victim_referral_with_consent(
    nojs_page: Any, acme: Organisation, lead: Person
) -> None:
    page = nojs_page
    case = make_case(acme)
    _sign_in(page, lead)
    page.goto(page.base + f"/en/desk/cases/{case.pk}/")
    page.check("#consent_child")
    page.select_option("#id_service", label="Child Helpline Cambodia (1280)")
    page.fill("#id_service_reference", "CHC-2026-1")
    page.check("#method_phone")  # the report is anonymous: nobody to phone
    page.fill("#id_consent_at", _minutes_ago(2))
    click_through(page, "text=Record the referral")
    assert "cannot have been given by phone or message" in page.inner_text("main")
    page.check("#consent_child")
    page.select_option("#id_service", label="Child Helpline Cambodia (1280)")
    page.fill("#id_service_reference", "CHC-2026-1")
    page.check("#method_helpline")
    page.fill("#id_consent_at", _minutes_ago(2))
    click_through(page, "text=Record the referral")
    assert "CHC-2026-1" in page.inner_text("main")
    referral = Case.objects.get(pk=case.pk).victim_referrals.get()
    assert referral.consent_method == "helpline" and referral.consent_obtained_by == lead.username


def test_desk_pages_pass_axe_wcag_22_aa(page: Any, acme: Organisation, lead: Person) -> None:
    case = make_case(acme, contact=True)
    page.goto(page.base + "/en/desk/login/")
    failures = {"login": axe_violations(page)}
    page.goto(page.base + "/desk/login/")
    failures["login km"] = axe_violations(page)
    _sign_in(page, lead)
    for path in [
        "/en/desk/queue/",
        f"/en/desk/cases/{case.pk}/",
        "/en/desk/audit/",
        "/en/desk/figures/",
        "/en/desk/settings/sla/",
        f"/desk/cases/{case.pk}/",
    ]:
        page.goto(page.base + path)
        failures[path] = axe_violations(page)
    assert {k: v for k, v in failures.items() if v} == {}


def test_vault_pages_pass_axe_and_blur_by_default(
    page: Any, acme: Organisation, lead: Person
) -> None:
    from karpear.evidence.services import evidence_capture
    from tests.evidence.conftest import benign_png, screen

    screen(lead)
    case = make_case(acme)
    item = evidence_capture(
        organisation=acme,
        case_id=case.pk,
        content=benign_png(4),
        content_type="image/png",
        metadata={},
        source="staff",
        actor="t",
    )
    _sign_in(page, lead)
    failures = {}
    for path in [
        f"/en/desk/evidence/{item.pk}/",
        "/en/desk/personnel/",
        "/en/desk/certificates/",
        "/en/desk/disclosures/",
        "/en/desk/recipients/",
        "/desk/recipients/",
        f"/desk/evidence/{item.pk}/",
    ]:
        page.goto(page.base + path)
        failures[path] = axe_violations(page)
    assert {k: v for k, v in failures.items() if v} == {}
    page.goto(page.base + f"/en/desk/evidence/{item.pk}/")
    image_filter = page.evaluate("getComputedStyle(document.querySelector('.viewer img')).filter")
    assert "blur" in image_filter and "grayscale" in image_filter


def test_staff_administration_pages_pass_axe(page: Any, acme: Organisation, admin: Person) -> None:
    _sign_in(page, admin)
    failures = {}
    for path in ["/en/desk/staff/", "/desk/staff/", "/en/desk/recipients/"]:
        page.goto(page.base + path)
        failures[path] = axe_violations(page)
    assert {k: v for k, v in failures.items() if v} == {}
