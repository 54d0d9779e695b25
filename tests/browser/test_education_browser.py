"""A participant takes the before- and after-quiz on a 360 px phone in Khmer, with no script,
and the lessons and quiz pages pass axe (issue #19, items 1, 3 and 8)."""

from __future__ import annotations

from typing import Any

import pytest

from karpear.education.models import Participant, SessionStatus
from karpear.orgs.models import Organisation
from tests.browser.conftest import axe_violations, click_through
from tests.cast import Person
from tests.education.helpers import TEENS, a_curriculum, a_session, move

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answer(page: Any, code: str, right: int, curriculum: Any) -> None:
    page.fill("#code", code)
    for i, q in enumerate(curriculum.questions):
        choice = q["answer"] if i < right else (q["answer"] + 1) % len(q["choices"])
        page.check(f"input[name=q_{q['id']}][value='{choice}']")
    click_through(page, "button[type=submit]")


def test_a_teenager_does_the_quiz_before_and_after_in_khmer_on_a_phone(
    page: Any, trainer: Person, acme: Organisation
) -> None:
    """With scripts on only so axe can run: the pages have none (tests/learn/test_pages.py)."""
    page.goto(page.base + "/learn/")
    assert page.locator("html").get_attribute("lang") == "km"
    assert axe_violations(page) == []
    click_through(page, "ul.paths a >> nth=1")  # young people 13 to 15
    assert page.url.endswith("/learn/young-13-15/")
    assert axe_violations(page) == []
    click_through(page, "ol.lessons a >> nth=1")  # the sextortion lesson
    assert "វាមិនមែនជាកំហុសរបស់អ្នកទេ" in page.inner_text("main")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    curriculum = a_curriculum(trainer, TEENS)
    session = a_session(trainer, curriculum)
    move(trainer.member, session, SessionStatus.BEFORE)
    page.goto(f"{page.base}/learn/s/{session.token}/")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    _answer(page, "ផ្កាឈូក7", 2, curriculum)  # a Khmer code: "lotus" and a number
    assert "សូមអរគុណ" in page.inner_text("h1")
    assert axe_violations(page) == []

    move(trainer.member, session, SessionStatus.AFTER)
    page.goto(f"{page.base}/learn/s/{session.token}/")
    _answer(page, "ផ្កាឈូក", 6, curriculum)  # a mistyped code: refused, explained
    assert "យើងរកមិនឃើញសំណួរមុនវគ្គរបស់អ្នក" in page.inner_text("[role=alert]")
    assert axe_violations(page) == []
    _answer(page, "ផ្កាឈូក7", 6, curriculum)
    assert "ត្រូវ 6 ក្នុងចំណោម 7" in page.inner_text("main")
    participant = Participant.objects.get()
    assert participant.pre_score == pytest.approx(200 / 7)
    assert participant.post_score == pytest.approx(600 / 7)
