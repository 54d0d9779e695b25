"""Participants answer through the session link, with no account (issue #19, items 3, 4, 7, 8)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from karpear.education.models import Answer, Participant, PracticeAnswer, Session, SessionStatus
from karpear.orgs.models import Organisation
from tests.cast import Person, sign_in
from tests.conftest import BAYON_HOST, Client
from tests.education.helpers import TEENS, a_curriculum, a_session, form, move

# Twenty participants: before, k of 7 right; after, k + gain right (capped at 7).
BEFORE = [1, 2, 2, 3, 3, 3, 4, 4, 2, 1, 3, 2, 4, 5, 3, 2, 1, 3, 4, 2]
GAIN = [2, 3, 1, 2, 2, 3, 1, 2, 3, 2, 1, 2, 3, 1, 2, 2, 3, 1, 2, 2]


def test_twenty_participants_before_and_after_and_the_desk_shows_the_gain(
    trainer: Person, compliance: Person, acme: Organisation
) -> None:
    """The "Done when" walk: a session where twenty participants answer before and after
    through the link over HTTP, and the desk shows the knowledge gain with its interval."""
    curriculum = a_curriculum(trainer, TEENS)
    session = a_session(trainer, curriculum)
    url = f"/learn/s/{session.token}/"
    desk = sign_in(trainer)
    desk.post(f"/en/desk/education/sessions/{session.pk}/status/", {"status": "before"})
    phones = [Client() for _ in BEFORE]
    for i, (phone, right) in enumerate(zip(phones, BEFORE, strict=True)):
        assert phone.get(url).status_code == 200
        response = phone.post(url, form(curriculum, f"star{i:02d}", right))
        assert response.status_code == 200, response.content.decode()
        assert f"ត្រូវ {right} ក្នុងចំណោម 7".encode() in response.content  # Khmer by default
    desk.post(f"/en/desk/education/sessions/{session.pk}/status/", {"status": "after"})
    for i, (phone, right, gain) in enumerate(zip(phones, BEFORE, GAIN, strict=True)):
        response = phone.post(url, form(curriculum, f"STAR{i:02d} ", right + gain))
        assert response.status_code == 200, response.content.decode()
    # By hand: mean gain 2.0 questions of 7 = 28.571 points; the gains' sd is sqrt(10 / 19)
    # = 0.72548 questions (sum of squares 10, 19 df) = 10.3639 points; t(0.975, 19) = 2.0930;
    # half-width 2.0930 * 10.3639 / sqrt(20) = 4.8505: interval 23.72 to 33.42.
    page = sign_in(compliance).get("/en/desk/education/impact/").content.decode()
    assert 'id="pairs">20<' in page
    assert 'id="gain">+28.6 points<' in page
    assert 'id="interval">+23.7 to +33.4<' in page
    assert Participant.objects.filter(post_score__isnull=False).count() == 20


@pytest.fixture
def open_session(trainer: Person, acme: Organisation) -> tuple[Session, str]:
    session = a_session(trainer, a_curriculum(trainer))
    move(trainer.member, session, SessionStatus.BEFORE)
    return session, f"/learn/s/{session.token}/"


def test_bad_answers_change_nothing_and_are_explained_in_khmer(
    client: Client, open_session: tuple[Session, str]
) -> None:
    session, url = open_session
    curriculum = session.curriculum
    missing = form(curriculum, "moon7", 3)
    del missing["q_p2"]
    response = client.post(url, missing)
    assert response.status_code == 400
    assert "សូមឆ្លើយសំណួរទាំងអស់" in response.content.decode()  # "answer every question"
    for code in ("ab", "x" * 21, "a\u0007bcd"):
        response = client.post(url, form(curriculum, code, 3))
        assert response.status_code == 400, code
    out_of_range = form(curriculum, "moon7", 3) | {"q_p1": "9"}
    assert client.post(url, out_of_range).status_code == 400
    assert client.post(url, form(curriculum, "moon7", 3) | {"q_p1": "9" * 5000}).status_code == 400
    assert client.post(url, form(curriculum, "moon7", 3) | {"q_p1": "1\x00"}).status_code == 400
    assert Participant.objects.count() == 0 and Answer.objects.count() == 0


def test_a_repeated_code_and_a_repeated_after_quiz_are_refused(
    trainer: Person, client: Client, open_session: tuple[Session, str]
) -> None:
    session, url = open_session
    curriculum = session.curriculum
    assert client.post(url, form(curriculum, "river9", 2)).status_code == 200
    again = client.post(url, form(curriculum, "River9", 6))
    assert again.status_code == 409
    assert "លេខកូដនេះត្រូវបានប្រើរួចហើយ" in again.content.decode()
    move(trainer.member, session, SessionStatus.AFTER)
    assert client.post(url, form(curriculum, "river9", 5)).status_code == 200
    twice = Client().post("/en" + url, form(curriculum, "river9", 6))
    assert twice.status_code == 409 and b"already answered the after-quiz" in twice.content
    participant = Participant.objects.get()
    assert participant.pre_score == pytest.approx(200 / 6)
    assert participant.post_score == pytest.approx(500 / 6)


def test_a_code_from_another_session_pairs_nothing_here(
    trainer: Person, client: Client, open_session: tuple[Session, str]
) -> None:
    session, url = open_session
    other = a_session(trainer, session.curriculum)
    move(trainer.member, other, SessionStatus.BEFORE)
    curriculum = other.curriculum
    assert client.post(f"/learn/s/{other.token}/", form(curriculum, "lotus3", 2)).status_code == 200
    move(trainer.member, session, SessionStatus.AFTER)
    response = Client().post("/en" + url, form(curriculum, "lotus3", 5))
    assert response.status_code == 409
    assert b"did not find your before-quiz in this session" in response.content
    assert Participant.objects.filter(session=session).count() == 0
    # The same code in two sessions is two unrelated digests (nothing links them).
    assert Participant.objects.get(session=other).code_digest not in set(
        Participant.objects.filter(session=session).values_list("code_digest", flat=True)
    )


def test_closed_unknown_and_other_organisations_sessions(
    trainer: Person, client: Client, open_session: tuple[Session, str], bayon: Organisation
) -> None:
    session, url = open_session
    curriculum = session.curriculum
    move(trainer.member, session, SessionStatus.CLOSED)
    closed = client.post(url, form(curriculum, "sun123", 3))
    assert closed.status_code == 409
    assert "សំណួរនេះមិនទាន់បើក" in closed.content.decode()
    missing = client.get("/learn/s/not-a-real-token/")
    assert missing.status_code == 404 and "តំណវគ្គបណ្តុះបណ្តាលនេះមិនត្រឹមត្រូវទេ" in missing.content.decode()
    assert client.get("/learn/s/" + "a" * 5000 + "/").status_code == 404
    assert Participant.objects.count() == 0
    # The link names a session, not an organisation: it works from any host name.
    assert Client(HTTP_HOST=BAYON_HOST).get(url).status_code == 200


def test_the_pages_show_nothing_about_other_participants(
    trainer: Person, client: Client, open_session: tuple[Session, str]
) -> None:
    session, url = open_session
    curriculum = session.curriculum
    client.post(url, form(curriculum, "first1", 6))
    move(trainer.member, session, SessionStatus.AFTER)
    stranger = Client()
    page = stranger.get("/en" + url).content.decode()
    assert "first1" not in page and "6 of 6" not in page
    done = stranger.post("/en" + url, form(curriculum, "first1", 1)).content.decode()
    # Whoever knows a code sees only what they just sent, never the before score.
    assert "1 of 6" in done and "6 of 6" not in done


def test_the_follow_up_opens_after_the_delay_and_records_practice(
    trainer: Person, client: Client, open_session: tuple[Session, str]
) -> None:
    session, url = open_session
    curriculum = session.curriculum
    client.post(url, form(curriculum, "mango5", 3))
    move(trainer.member, session, SessionStatus.CLOSED)
    practice = {"code": "mango5", **{f"p_{p['id']}": "yes" for p in curriculum.practice}}
    assert client.post(url, practice).status_code == 409  # not yet: 28 days after by default
    Session.objects.filter(pk=session.pk).update(held_on=timezone.localdate() - timedelta(days=30))
    assert client.post(url, practice | {"code": "nobody"}).status_code == 409
    partial = dict(practice)
    del partial["p_talked"]
    assert client.post(url, partial).status_code == 400
    assert client.post(url, practice).status_code == 200
    assert client.post(url, practice).status_code == 409
    assert PracticeAnswer.objects.filter(did=True).count() == len(curriculum.practice)


def test_a_flood_from_one_address_is_slowed_without_losing_what_was_typed(
    client: Client, open_session: tuple[Session, str], settings: Any
) -> None:
    session, url = open_session
    settings.KARPEAR_RATELIMIT_ENABLED = True
    settings.KARPEAR_RATE_QUIZ = "2/60"
    for i in range(2):
        assert client.post(url, form(session.curriculum, f"wave{i}", 3)).status_code == 200
    slowed = client.post(url, form(session.curriculum, "wave9", 3))
    assert slowed.status_code == 429 and slowed["Retry-After"]
    assert 'value="wave9"' in slowed.content.decode()
    assert Participant.objects.count() == 2
