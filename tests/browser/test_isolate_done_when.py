"""Issue #16 "Done when", in a real browser against a live server and the reference platform.

A child's portal report about a demo post is isolated on the reference platform within seconds
of submission; the analyst finds it by searching its link, classifies it, chooses the legal
ground, removes it; the platform has uploaded the post to the vault and the case shows it
preserved; a second case is found, joined as a duplicate and closed in one bulk action; axe
finds no WCAG 2.2 AA violation on any new page (search with results, the case page with the
classification form, staff, recipients).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.cases.models import Case, CaseReport, DecisionKind, Ground, State
from karpear.evidence.models import EvidenceItem, Screening
from karpear.evidence.register import personnel_record_set
from karpear.orgs.models import Organisation
from karpear.platformlink.services import deliver_due, link_configure
from karpear.reports.models import Report
from tests.browser.conftest import _tab, axe_violations, click_through
from tests.cast import PASSWORD, Person
from tests.platform_fixture import RefPlatform, free_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POST = "https://social.example/p/3"
# "Within seconds": a generous bound, polled, never a timing assertion.
BOUND_SECONDS = 60


@pytest.fixture
def platform(live_server: Any, acme: Organisation, tmp_path: Path) -> Iterator[RefPlatform]:
    """The reference platform linked to Acme, uploading preserved posts to the live server."""
    ref = RefPlatform(
        url=f"http://127.0.0.1:{free_port()}", secret_file=tmp_path / "s", db=tmp_path / "p.db"
    )
    _link, secret = link_configure(
        organisation=acme, webhook_url=ref.webhook_url, hosted_domains=["social.example"]
    )
    ref.secret_file.write_text(secret)
    (tmp_path / "key").write_text(
        apikey_create(organisation=acme, scope=Scope.PLATFORM, name="Ref")[1]
    )
    ref.start(extra=["--karpear-url", live_server.url, "--karpear-key-file", str(tmp_path / "key")])
    yield ref
    ref.stop()


def _until(done: Callable[[], bool]) -> None:
    """What the worker does (deliver due webhooks), until `done` or the bound."""
    deadline = time.monotonic() + BOUND_SECONDS
    while not done():
        assert time.monotonic() < deadline, "not done within the bound"
        deliver_due()
        time.sleep(0.2)


def _sign_in(page: Any, person: Person) -> None:
    page.goto(page.base + "/en/desk/login/")
    page.fill("#id_username", person.username)
    page.fill("#id_password", PASSWORD)
    click_through(page, "button[type=submit]")
    page.fill("#id_code", person.code())
    click_through(page, "main button[type=submit]")


def _report(page: Any, link: str, category: str) -> Case:
    page.goto(page.base + "/en/?who=teen")  # the start page's "I am 13 to 17" (issue #22)
    page.fill("#id_links", link)
    page.check(f"input[name=category][value={category}]")
    click_through(page, "button[type=submit]")
    report = Report.objects.get(reference=page.inner_text("#reference").strip())
    return CaseReport.objects.select_related("case").get(report=report).case


def _screen_and_assign(case: Case, analyst: Person, lead: Person) -> None:
    """The lead records the analyst's screening on the register and assigns the case: exact
    links are shown only to a screened analyst working the case (issue #15)."""
    from karpear.cases.services import case_assign

    today = timezone.localdate()
    personnel_record_set(
        staff=analyst.member,
        actor=lead.member,
        values={
            "screened_on": today - timedelta(days=30),
            "screening_expires_on": today + timedelta(days=300),
            "trained_on": today - timedelta(days=20),
            "wellness_support_offered_on": today - timedelta(days=10),
        },
        result=Screening.CLEAR,
    )
    case.refresh_from_db()
    case_assign(
        case=case, member=lead.member, assignee=analyst.member, expected_version=case.version
    )


def _step(page: Any, to_state: str, reason: str, ground: str = "", clause: str = "") -> None:
    page.select_option("#id_to_state", to_state)
    if ground:
        page.select_option("#id_step_ground", ground)
        page.fill("#id_step_clause", clause)
    page.fill("#id_reason", reason)
    click_through(page, "text=Save the step")


def test_a_reported_post_is_isolated_found_removed_preserved_and_its_duplicate_joined(
    *,
    browser: Any,
    page: Any,
    live_server: Any,
    platform: RefPlatform,
    acme: Organisation,
    analyst: Person,
    lead: Person,
    admin: Person,
) -> None:
    # 1. A child reports the demo post on the portal; it is hidden on the platform at once.
    case = _report(page, POST, "sexual_image")
    assert case.state == State.ISOLATED
    _until(lambda: platform.state()["posts"]["post:3"]["state"] == "hidden")
    isolation = case.decisions.get()
    assert (isolation.kind, isolation.ground) == (DecisionKind.CONTENT_ISOLATE, Ground.TERMS)

    # 2. The analyst finds it by searching its link (in another form than reported).
    _screen_and_assign(case, analyst, lead)
    _sign_in(page, analyst)
    page.goto(page.base + "/en/desk/search/")
    page.fill("#s_link", "HTTPS://Social.Example/p/3")
    click_through(page, "main button:has-text('Search')")
    assert "1 case found" in page.inner_text("#results")
    assert axe_violations(page) == []
    click_through(page, f"main table a:has-text('#{case.pk}')")
    assert "hxxps://social[.]example/p/3" in page.inner_text("main")
    assert axe_violations(page) == []

    # 3. Classifies it, chooses the legal ground, removes it.
    page.check("#legal_baseline")
    page.select_option("#id_content_type", "image")
    page.select_option("#id_age_band", "10-12")
    click_through(page, "text=Save the classification")
    page.check("#auth_acu")
    page.fill("#ref_acu", "ACU-16")
    _step(page, "referred", "sent to the Anti-Cybercrime Unit")
    _step(page, "confirmed_illegal", "confirmed by the ACU", "law", "Criminal Code art. 41")
    case.refresh_from_db()
    assert (case.state, case.legal_assessment, case.age_band) == (
        State.CONFIRMED_ILLEGAL,
        "baseline",
        "10-12",
    )
    removal = case.decisions.get(kind=DecisionKind.CONTENT_REMOVE)
    assert (removal.ground, removal.clause) == (Ground.LAW, "Criminal Code art. 41")

    # 4. The platform removed the post and uploaded it to the vault; the case shows it.
    _until(
        lambda: (
            platform.state()["posts"]["post:3"]["state"] == "removed"
            and EvidenceItem.objects.filter(case=case).exists()
        )
    )
    page.reload()
    assert "Preserved in the vault since" in page.inner_text("#preservation")

    # 5. A second case about the same post (another form of its link) is found, joined as a
    #    duplicate and closed in one bulk action.
    tab = next(_tab(browser, live_server.url, javascript=True))
    second = _report(tab, POST + "?share=whatsapp", "other")
    tab.context.close()
    assert second.pk != case.pk and second.state == State.RECEIVED
    page.goto(page.base + "/en/desk/search/")
    # From the day the first case was opened (in Phnom Penh), not "today" asked again later.
    page.fill("#s_opened_from", timezone.localtime(case.opened_at).date().isoformat())
    page.check("#status_open")
    click_through(page, "main button:has-text('Search')")
    assert "2 cases found" in page.inner_text("#results")
    assert axe_violations(page) == []
    page.check(f"#pick_{case.pk}")
    page.check(f"#pick_{second.pk}")
    page.check("#bulk_join")
    page.fill("#bulk_target", str(case.pk))
    page.fill("#bulk_reason", "the same post, shared through an app link")
    click_through(page, "text=Apply to the selected cases")
    assert f"#{second.pk}" in page.inner_text("main")
    second.refresh_from_db()
    case.refresh_from_db()
    assert second.state == State.CLOSED and second.duplicate_of_id == case.pk
    assert case.report_count == 2

    # 6. The other new pages: staff and recipients (administrator), isolation on receipt (lead).
    admin_tab = next(_tab(browser, live_server.url, javascript=True))
    _sign_in(admin_tab, admin)
    for path in ("/en/desk/staff/", "/en/desk/recipients/"):
        admin_tab.goto(admin_tab.base + path)
        assert admin_tab.locator("h1").count() == 1, path
        assert axe_violations(admin_tab) == [], path
    admin_tab.context.close()
    lead_tab = next(_tab(browser, live_server.url, javascript=True))
    _sign_in(lead_tab, lead)
    lead_tab.goto(lead_tab.base + "/en/desk/settings/isolation/")
    assert lead_tab.is_checked("#iso_sexual_image")
    assert axe_violations(lead_tab) == []
    lead_tab.context.close()
