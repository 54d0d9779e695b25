"""Keyboard shortcuts on the desk (issue #16, item 12), pressed in a real Chromium: next case,
take, isolate, refer and note without a mouse; the list on the page; axe finds nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings

from karpear.cases.models import Case, State
from karpear.orgs.models import Organisation
from tests.browser.conftest import axe_violations
from tests.browser.test_desk_browser import _sign_in
from tests.cast import Person, make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ready(page: Any) -> None:
    """The page's deferred script has run (it marks <html>), so keys are heard."""
    page.wait_for_selector("html[data-keys=on]", state="attached")


def _submit(page: Any, key: str) -> None:
    """Press a key that sends a form, and wait until the page it leads to has loaded: a key
    press (unlike a click) does not wait for the navigation it starts, and the page it leaves
    may already say "Saved." from the step before, so waiting for that text proved nothing and
    the database was read before the form was sent."""
    with page.expect_navigation():
        page.keyboard.press(key)


def _saved(page: Any) -> None:
    page.wait_for_selector("text=Saved.")
    _ready(page)


def test_an_analyst_works_a_case_with_the_keyboard_alone(
    page: Any, acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    from tests.evidence.conftest import screen

    screen(analyst)
    taken = make_case(acme, url="https://social.example/taken")
    mine = make_case(acme, url="https://social.example/free")
    # The most urgent case is someone else's: "next case" skips it.
    Case.objects.filter(pk=taken.pk).update(
        assignee=analyst2.member.user, next_due_at=taken.opened_at - timedelta(hours=2)
    )
    _sign_in(page, analyst)
    _ready(page)
    page.keyboard.press("?")
    assert page.locator("#shortcuts").get_attribute("open") is not None
    assert "Next case" in page.inner_text("#shortcuts")
    assert axe_violations(page) == []

    page.keyboard.press("n")
    page.wait_for_url(f"**/en/desk/cases/{mine.pk}/")
    _ready(page)
    _submit(page, "t")
    _saved(page)
    assert Case.objects.get(pk=mine.pk).assignee_id == analyst.member.user_id

    # Not a next step yet: the key says so instead of doing nothing.
    page.keyboard.press("i")
    assert "Isolating is not a next step" in page.inner_text("#key-status")

    page.focus("#id_reason")
    page.keyboard.type("first look")
    page.keyboard.press("Tab")  # to "Save the step"
    _submit(page, "Enter")
    _saved(page)

    page.keyboard.press("i")
    assert page.eval_on_selector("#id_to_state", "e => e.value") == "isolated"
    assert page.evaluate("document.activeElement.id") == "id_step_ground"
    page.select_option("#id_step_ground", "terms")
    page.focus("#id_step_clause")
    page.keyboard.type("Terms 3.1")
    page.focus("#id_reason")
    page.keyboard.type("isolated until assessed")
    page.keyboard.press("Tab")
    _submit(page, "Enter")
    _saved(page)
    assert Case.objects.get(pk=mine.pk).state == State.ISOLATED

    page.keyboard.press("r")
    assert page.eval_on_selector("#id_to_state", "e => e.value") == "referred"
    assert page.evaluate("document.activeElement.id") == "auth_acu"
    page.keyboard.press("Space")
    page.focus("#id_reason")
    page.keyboard.type("to the ACU")
    page.keyboard.press("Tab")
    _submit(page, "Enter")
    _saved(page)
    assert Case.objects.get(pk=mine.pk).state == State.REFERRED

    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.id") == "id_text"
    page.keyboard.type("nothing more to add")  # typing "n" here must not leave the page
    page.keyboard.press("Tab")
    _submit(page, "Enter")
    _saved(page)
    assert Case.objects.get(pk=mine.pk).events.filter(kind="note").count() == 1
    page.keyboard.press("?")
    assert axe_violations(page) == []


def test_a_note_without_text_shows_why_it_was_not_saved(
    page: Any, acme: Organisation, analyst: Person
) -> None:
    case = make_case(acme)
    _sign_in(page, analyst)
    page.goto(page.base + f"/en/desk/cases/{case.pk}/")
    assert "(required)" in page.inner_text("label[for=id_text]")
    page.click("text=Add the note")
    # The browser stops the empty form and says which field needs an answer.
    message = page.eval_on_selector("#id_text", "e => e.validationMessage")
    assert message
    assert page.evaluate("document.activeElement.id") == "id_text"


def test_new_desk_pages_pass_axe(
    page: Any, acme: Organisation, analyst: Person, analyst2: Person, lead: Person
) -> None:
    """The four-eyes request on the case and the queue, the break reminder, the support page."""
    from karpear.cases import services
    from karpear.cases.models import Authority, Ground
    from tests.evidence.conftest import screen

    screen(analyst2)
    services.four_eyes_set(member=lead.member, categories={"live_stream"})
    case = make_case(acme, category="live_stream")
    for to, kw in (
        (State.IN_REVIEW, {}),
        (State.REFERRED, {"referrals": [(Authority.ACU, "ACU-1")]}),
        (State.CONFIRMED_ILLEGAL, {"ground": Ground.LAW, "clause": "art. 41"}),
    ):
        case = services.case_transition(
            case=case,
            member=analyst.member,
            to_state=to,
            reason="checked",
            expected_version=case.version,
            **kw,
        )
    _sign_in(page, analyst2)
    with override_settings(KARPEAR_EXPOSURE_BREAK_MINUTES=0):  # remind at once
        for path in ["/en/desk/queue/", f"/en/desk/cases/{case.pk}/", "/en/desk/wellbeing/"]:
            page.goto(page.base + path)
            assert "break-reminder" in page.content(), path
            assert axe_violations(page) == [], path
    page.goto(page.base + f"/en/desk/cases/{case.pk}/")
    assert "Confirm and send" in page.inner_text("#pending")
    page.click("text=Confirm and send")
    page.wait_for_selector("text=Saved.")
    assert Case.objects.get(pk=case.pk).state == State.CONFIRMED_ILLEGAL
