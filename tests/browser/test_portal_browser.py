"""A person reports, gets a reference and checks status, in a real browser on a phone screen."""

from __future__ import annotations

import re
from typing import Any

import pytest

from karpear.reports.models import Report
from tests.browser.conftest import axe_violations, click_through

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REFERENCE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")


def _fill_minimal(page: Any, link: str) -> None:
    page.fill("#id_links", link)
    page.check("#id_category_0")


def test_a_child_reports_in_khmer_and_checks_the_status(page: Any) -> None:
    page.goto(page.base + "/")
    assert page.locator("html").get_attribute("lang") == "km"
    click_through(page, "a[href='?who=teen']")  # I am 13 to 17 (issue #22, item 3)
    _fill_minimal(page, "https://social.example/p/77")
    click_through(page, "button[type=submit]")
    reference = page.inner_text("#reference").strip()
    assert REFERENCE.match(reference)
    assert "សូមអរគុណ" in page.inner_text("h1")
    report = Report.objects.get(reference=reference)
    assert report.reporter_is_child is True and report.language == "km"

    click_through(page, "footer >> text=ពិនិត្យរបាយការណ៍")
    page.fill("#id_reference", reference.lower().replace("-", " "))
    click_through(page, "button[type=submit]")
    assert reference in page.inner_text(".result")
    assert page.locator("[aria-current=step]").inner_text() == "បានទទួល"


def test_an_adult_reports_in_english_without_javascript(nojs_page: Any) -> None:
    page = nojs_page
    page.goto(page.base + "/en/?who=adult")
    page.fill("#id_links", "https://video.example/live/9")
    page.check("#id_category_1")
    page.click("details.more summary")
    page.fill("#id_seen_on", "2026-11-01")
    assert not page.is_visible("#id_contact_email")  # only once she chooses to be contacted
    page.check("#id_contact_choice_1")
    page.fill("#id_contact_email", "teacher@school.example")
    click_through(page, "button[type=submit]")
    reference = page.inner_text("#reference").strip()
    assert REFERENCE.match(reference)
    report = Report.objects.get(reference=reference)
    assert not report.is_anonymous and report.language == "en"

    page.goto(page.base + "/en/status/")
    page.fill("#id_reference", reference)
    click_through(page, "button[type=submit]")
    assert "Received" in page.inner_text("[aria-current=step]")


def test_errors_are_announced_and_keep_what_was_typed(nojs_page: Any) -> None:
    page = nojs_page
    page.goto(page.base + "/en/?who=teen")
    page.click("details.more summary")
    page.fill("#id_description", "A man in the group keeps asking")
    click_through(page, "button[type=submit] >> nth=0")
    page.wait_for_selector(".errors[role=alert]")  # the answer page may still be loading
    assert page.locator(".errors[role=alert]").count() == 1
    assert page.locator("#id_links").get_attribute("aria-invalid") == "true"
    assert "id_links_error" in (page.locator("#id_links").get_attribute("aria-describedby") or "")
    assert page.input_value("#id_description") == "A man in the group keeps asking"
    assert page.title().startswith("Please check your answers")
    assert Report.objects.count() == 0


def test_the_language_switch_keeps_the_page(page: Any) -> None:
    page.goto(page.base + "/status/")
    click_through(page, "a.lang")
    assert page.url.endswith("/en/status/")
    assert page.locator("html").get_attribute("lang") == "en"


def _pages(page: Any) -> list[tuple[str, Any]]:
    """Every public page state, as (name, visit) pairs, in both languages."""

    def start(prefix: str) -> None:
        page.goto(page.base + prefix)

    def form(prefix: str) -> None:
        page.goto(page.base + prefix + "?who=teen")

    def young_form(prefix: str) -> None:
        page.goto(page.base + prefix + "?who=child")

    def errors(prefix: str) -> None:
        form(prefix)
        click_through(page, "button[type=submit] >> nth=0")

    def receipt(prefix: str) -> None:
        form(prefix)
        _fill_minimal(page, "https://x.example/1")
        click_through(page, "button[type=submit] >> nth=0")

    def take_it_down(prefix: str) -> None:
        page.goto(page.base + prefix + "take-it-down/")

    def status(prefix: str) -> None:
        page.goto(page.base + prefix + "status/")

    def status_error(prefix: str) -> None:
        status(prefix)
        page.fill("#id_reference", "WRONG")
        click_through(page, "button[type=submit]")

    def missing(prefix: str) -> None:
        page.goto(page.base + prefix + "nothing/")

    def blocked(prefix: str) -> None:
        page.goto(page.base + prefix + "blocked/?url=http://bad.example/1.html")

    def appeal_errors(prefix: str) -> None:
        blocked(prefix)
        click_through(page, "button[type=submit]")

    def appeal_received(prefix: str) -> None:
        blocked(prefix)
        page.fill("#id_reason", "This is my shop's page.")
        click_through(page, "button[type=submit]")

    visits = [
        start,
        form,
        young_form,
        take_it_down,
        errors,
        receipt,
        status,
        status_error,
        missing,
        blocked,
        appeal_errors,
        appeal_received,
    ]
    return [
        (f"{prefix} {visit.__name__}", lambda v=visit, p=prefix: v(p))
        for prefix in ["/", "/en/"]
        for visit in visits
    ]


def test_every_public_page_passes_axe_wcag_22_aa(page: Any, settings: Any, acme: Any) -> None:
    from tests.blocklist.helpers import import_text, register

    import_text(acme, register(acme), "http://bad.example/1.html\n")
    settings.KARPEAR_RATE_REPORTS = "100/60"
    settings.KARPEAR_RATE_APPEALS = "100/60"
    failures = {}
    for name, visit in _pages(page):
        visit()
        violations = axe_violations(page)
        if violations:
            failures[name] = violations
    assert failures == {}


def test_no_layout_shift_and_no_sideways_scrolling_at_360px(page: Any) -> None:
    for path in ["/", "/?who=child", "/en/?who=teen", "/status/", "/take-it-down/"]:
        page.goto(page.base + path)
        shift = page.evaluate("""() => new Promise(resolve => {
            let total = 0;
            new PerformanceObserver(list => { for (const e of list.getEntries())
                if (!e.hadRecentInput) total += e.value; })
              .observe({type: 'layout-shift', buffered: true});
            setTimeout(() => resolve(total), 500);
        })""")
        assert shift == 0, (path, shift)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path


def test_touch_targets_are_large(page: Any) -> None:
    page.goto(page.base + "/en/?who=teen")
    small = page.evaluate("""() => [...document.querySelectorAll(
            'button, a, input[type=radio], input[type=checkbox], summary, input[type=text]')]
        .filter(e => e.offsetParent !== null && !e.closest('.hp') && !e.classList.contains('skip'))
        .map(e => { const label = e.closest('label') || e;
                    const r = label.getBoundingClientRect();
                    return [e.outerHTML.slice(0, 60), r.width, r.height]; })
        .filter(([, w, h]) => w < 24 || h < 24)""")
    assert small == []


def test_the_transparency_report_fits_a_360px_phone(page: Any, compliance: Any) -> None:
    from datetime import date

    from karpear.transparency.services import report_publish

    narrative = {h: {"en": h, "km": h} for h in ("policies", "processes", "outcomes")}
    report = report_publish(
        member=compliance.member,
        start=date(2025, 1, 1),
        end=date(2025, 12, 31),
        narrative=narrative,
    )
    for prefix in ("/", "/en/"):
        page.goto(f"{page.base}{prefix}transparency/{report.pk}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, prefix


def test_the_quick_exit_leaves_and_takes_the_page_out_of_the_history(
    page: Any, settings: Any
) -> None:
    settings.KARPEAR_QUICK_EXIT_URL = page.base + "/healthz"  # a neutral page, on loopback
    page.goto(page.base + "/")
    page.goto(page.base + "/?who=teen")
    page.click("#quick-exit")
    page.wait_for_url("**/healthz")
    page.go_back()
    assert "who=teen" not in page.url  # the page she was on is no longer one step back


def test_the_minimum_report_fits_the_first_screen_of_a_phone(page: Any) -> None:
    """Link, category and "Send" above the fold of 360 x 740, for every band (issue #22, 1)."""
    for prefix in ("/", "/en/"):
        for who in ("child", "teen", "parent", "adult"):
            page.goto(f"{page.base}{prefix}?who={who}")
            bottom = page.evaluate(
                "document.querySelector('.send button').getBoundingClientRect().bottom"
            )
            assert bottom <= 740, (prefix, who, bottom)
            assert page.is_visible("a.tel[href^='tel:']")  # the helpline, before the form
