"""Issue #21 "Done when", in a real browser at 360 px in Khmer against a live server.

Twenty staff imported and the policy adopted: the desk shows 0 of 20 acknowledged; five people
open their personal links and acknowledge: 5 of 20. A concern is raised anonymously with
JavaScript off, the officer replies on the desk, and the person reads the reply with the receipt
code and secret. axe finds no WCAG 2.2 AA violation on any public page of the walk.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from karpear.orgs.models import Organisation
from tests.browser.conftest import _tab, axe_violations, click_through
from tests.cast import PASSWORD, Person
from tests.safeguarding.helpers import adopt_policy, appoint_officer, import_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"http://[^/\s]+(/safeguarding/ack/[A-Za-z0-9_-]+/)")


def _sign_in(page: Any, person: Person) -> None:
    page.goto(page.base + "/en/desk/login/")
    page.fill("#id_username", person.username)
    page.fill("#id_password", PASSWORD)
    click_through(page, "button[type=submit]")
    page.fill("#id_code", person.code())
    click_through(page, "main button[type=submit]")


def test_acknowledgements_and_an_anonymous_concern_in_khmer_at_360_px(
    browser: Any,
    page: Any,
    nojs_page: Any,
    *,
    acme: Organisation,
    admin: Person,
    lead: Person,
    compliance: Person,
    settings: Any,
) -> None:
    settings.KARPEAR_PUBLIC_BASE_URL = page.base
    import_staff(acme, 20)
    appoint_officer(admin, lead)
    mail.outbox.clear()
    adopt_policy(compliance)
    links = [m for message in mail.outbox for m in LINK.findall(str(message.body))]
    assert len(links) == 20
    failures: dict[str, list[str]] = {}
    desk = next(_tab(browser, page.base, javascript=True))

    _sign_in(desk, compliance)
    desk.goto(desk.base + "/en/desk/safeguarding/policies/")
    assert "Version 1: 0 of 20 acknowledged." in desk.inner_text("#ack-policy")
    for n, link in enumerate(links[:5]):
        tab = page if n == 0 else nojs_page  # the Khmer link in each mail, mostly without JS
        tab.goto(tab.base + link)
        if n == 0:
            failures["acknowledge"] = axe_violations(tab)
        click_through(tab, "main button[type=submit]")
        # click() returns once the next page starts loading; wait until it shows the thanks.
        tab.wait_for_selector("#done")
        if n == 0:
            failures["acknowledged"] = axe_violations(tab)
    desk.reload()
    assert "Version 1: 5 of 20 acknowledged." in desk.inner_text("#ack-policy")

    # Every state of the public concern pages through axe (the pages carry no script, so what
    # axe sees with JavaScript on is what a phone without it shows).
    page.goto(page.base + "/concerns/")
    failures["concern form"] = axe_violations(page)
    click_through(page, "main button[type=submit]")
    failures["concern errors"] = axe_violations(page)
    _fill_concern(page, "Someone else's concern, to see every page.")
    failures["receipt"] = axe_violations(page)
    page.goto(page.base + "/concerns/follow/")
    failures["follow"] = axe_violations(page)
    page.fill("#id_code", "0000-0000-0000")
    page.fill("#id_secret", "WRONG")
    click_through(page, "main button[type=submit]")
    failures["wrong receipt"] = axe_violations(page)

    # The walk itself, without JavaScript.
    nojs_page.goto(nojs_page.base + "/concerns/")
    _fill_concern(nojs_page, "A trainer sends private messages to a 12-year-old pupil.")
    code, secret = nojs_page.inner_text("#code"), nojs_page.inner_text("#secret")
    _sign_in(desk, lead)
    desk.goto(desk.base + "/en/desk/concerns/")
    click_through(desk, f"text={code}")
    desk.fill("#id_body", "Thank you. The trainer no longer works with pupils while we check.")
    click_through(desk, "text=Send reply")
    nojs_page.goto(nojs_page.base + "/concerns/follow/")
    nojs_page.fill("#id_code", code)
    nojs_page.fill("#id_secret", secret)
    click_through(nojs_page, "main button[type=submit]")
    assert "no longer works with pupils" in nojs_page.inner_text("main")
    assert nojs_page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(page.base + "/concerns/follow/")
    page.fill("#id_code", code)
    page.fill("#id_secret", secret)
    click_through(page, "main button[type=submit]")
    failures["thread"] = axe_violations(page)
    desk.context.close()
    assert {name: v for name, v in failures.items() if v} == {}


def _fill_concern(tab: Any, text: str) -> None:
    tab.check("#id_raised_by_1")
    tab.check("#id_about_0")
    tab.fill("#id_text", text)
    click_through(tab, "main button[type=submit]")
