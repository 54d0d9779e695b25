"""A trainer plans and runs sessions on the desk (issue #19, items 2, 3 and 7)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from karpear.core.errors import ApplicationError
from karpear.education import services
from karpear.education.models import Attendance, AttendeeName, Participant, Session, SessionStatus
from karpear.orgs.models import Organisation
from karpear.staff.models import Role
from tests.cast import Person, _person, sign_in
from tests.conftest import BAYON_HOST
from tests.education.helpers import a_curriculum, a_session, move


def test_a_trainer_adopts_a_curriculum_and_plans_a_session_from_the_desk(
    trainer: Person, acme: Organisation
) -> None:
    desk = sign_in(trainer)
    assert desk.get("/en/desk/")["Location"] == "/en/desk/education/"
    desk.post("/en/desk/education/curricula/", {"template": "parents-core"})
    curriculum = acme.curricula.get()
    assert curriculum.audience == "parents" and len(curriculum.questions) == 6
    form = desk.get("/en/desk/education/sessions/new/").content.decode()
    assert "Chamkar Mon, Phnom Penh" in form and "Siem Reab, Siemreap" in form
    response = desk.post(
        "/en/desk/education/sessions/new/",
        {
            "curriculum": curriculum.pk,
            "held_on": timezone.localdate().isoformat(),
            "district": "1201",
            "place": "Wat Phnom community hall",
            "partner": "ChildFun Cambodia",
            "trainer": trainer.member.pk,
        },
    )
    session = Session.objects.get()
    assert response["Location"] == f"/en/desk/education/sessions/{session.pk}/"
    assert (session.province, session.district, session.followup_days) == ("12", "1201", 28)
    page = desk.get(response["Location"]).content.decode()
    assert f"/learn/s/{session.token}/" in page and "data:image/svg+xml" in page  # the QR code
    sheet = desk.get(f"/en/desk/education/sessions/{session.pk}/quiz.pdf")  # for paper sessions
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF-")


def test_places_must_come_from_the_administrative_list(trainer: Person, acme: Organisation) -> None:
    curriculum = a_curriculum(trainer)
    for province, district in (("12", "1710"), ("99", "9901"), ("", ""), ("12", "12; DROP")):
        with pytest.raises(ApplicationError):
            a_session(trainer, curriculum, province=province, district=district)
    assert Session.objects.count() == 0


def test_only_a_trainer_plans_and_other_organisations_see_nothing(
    trainer: Person, compliance: Person, acme: Organisation, bayon: Organisation
) -> None:
    session = a_session(trainer, a_curriculum(trainer))
    with pytest.raises(ApplicationError) as refused:
        services.curriculum_create(member=compliance.member, template_id="parents-core")
    assert refused.value.status == 403
    other = _person(bayon, "b-trainer", Role.TRAINER)
    outsider = sign_in(other, host=BAYON_HOST)
    assert outsider.get(f"/en/desk/education/sessions/{session.pk}/").status_code == 404
    outsider.post(f"/en/desk/education/sessions/{session.pk}/status/", {"status": "before"})
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED
    assert "ChildFun" not in outsider.get("/en/desk/education/").content.decode()
    with pytest.raises(ApplicationError):  # a trainer of another organisation cannot be named
        services.session_plan(
            member=trainer.member,
            plan=services.SessionPlan(
                curriculum_id=session.curriculum_id,
                held_on=timezone.localdate(),
                province="12",
                district="1201",
                place="",
                partner="",
                trainer_id=other.member.pk,
            ),
        )


def test_a_session_only_moves_forward(trainer: Person, acme: Organisation) -> None:
    session = a_session(trainer, a_curriculum(trainer))
    move(trainer.member, session, SessionStatus.BEFORE, SessionStatus.AFTER)
    with pytest.raises(ApplicationError):
        move(trainer.member, session, SessionStatus.BEFORE)
    with pytest.raises(ApplicationError):
        move(trainer.member, session, "open")  # type: ignore[arg-type]


def test_attendance_counts_by_gender_and_age_band_refuse_impossible_numbers(
    trainer: Person, acme: Organisation
) -> None:
    session = a_session(trainer, a_curriculum(trainer))
    desk = sign_in(trainer)
    url = f"/en/desk/education/sessions/{session.pk}/attendance/"
    desk.post(url, {"n_female_adult": "14", "n_male_adult": "9", "n_other_13_15": "1"})
    assert sum(Attendance.objects.values_list("count", flat=True)) == 24
    for bad in ("-3", "2.5", "99999999999999999999", "1e3", "ten", "5001"):
        response = desk.post(url, {"n_female_adult": bad}, follow=True)
        assert response.status_code == 200
        assert "These counts are not possible." in response.content.decode(), bad
    assert sum(Attendance.objects.values_list("count", flat=True)) == 24


def test_names_are_encrypted_and_erased_on_schedule(trainer: Person, acme: Organisation) -> None:
    session = a_session(trainer, a_curriculum(trainer))
    sign_in(trainer).post(
        f"/en/desk/education/sessions/{session.pk}/names/", {"names": "Sok Dara\n\nChan Srey"}
    )
    assert sorted(AttendeeName.objects.values_list("name", flat=True)) == ["Chan Srey", "Sok Dara"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM education_attendeename")
        stored = " ".join(row[0] for row in cursor.fetchall())
    # The whole names (a space, which base64 never holds): "Dara" alone can turn up by chance.
    assert "Sok Dara" not in stored and "Chan Srey" not in stored
    assert services.erase_expired_names(today=timezone.localdate()) == 0
    later = session.held_on + timedelta(days=91)
    assert services.erase_expired_names(today=later) == 2
    assert AttendeeName.objects.count() == 0
    from karpear.core.jobs import job

    assert job("erase_expired_attendee_names").run is services.erase_expired_names


def test_paper_answers_are_entered_by_the_trainer_and_pair_by_code(
    trainer: Person, acme: Organisation
) -> None:
    curriculum = a_curriculum(trainer)
    session = a_session(trainer, curriculum)
    desk = sign_in(trainer)
    url = f"/en/desk/education/sessions/{session.pk}/paper/"
    sheet = {f"q_{q['id']}": q["answer"] for q in curriculum.questions}
    refused = desk.post(url, {"code": "paper1", "phase": "pre", **sheet}, follow=True)
    assert "Open the session before entering answers." in refused.content.decode()
    move(trainer.member, session, SessionStatus.BEFORE)
    desk.post(url, {"code": "paper1", "phase": "pre", **sheet | {"q_p1": 0}})
    desk.post(url, {"code": "paper1", "phase": "post", **sheet})
    participant = Participant.objects.get()
    assert participant.pre_channel == participant.post_channel == "paper"
    assert participant.pre_score == pytest.approx(500 / 6) and participant.post_score == 100.0


def test_the_impact_page_exports_csv_and_suppresses_small_numbers(
    trainer: Person, compliance: Person, acme: Organisation
) -> None:
    curriculum = a_curriculum(trainer)
    session = a_session(trainer, curriculum)
    move(trainer.member, session, SessionStatus.BEFORE)
    answers = {q["id"]: q["answer"] for q in curriculum.questions}
    services.quiz_submit(session=session, code="only1", phase="pre", answers=answers)
    reader = sign_in(compliance)
    csv_text = reader.get("/en/desk/education/impact/?format=csv").content.decode()
    assert "overall,,answered_before,<10" in csv_text
    assert "overall,,mean_before_pct,\r\n" in csv_text  # one person's score is never shown
    page = reader.get("/en/desk/education/impact/?province=9x&start=2026-02-30&audience=x")
    assert page.status_code == 200
    assert reader.get("/en/desk/education/impact/?province=%00").status_code == 400


def test_the_sessions_list_costs_the_same_queries_for_one_or_many_sessions(
    trainer: Person, acme: Organisation, django_assert_max_num_queries: Any
) -> None:
    curriculum = a_curriculum(trainer)
    a_session(trainer, curriculum)
    desk = sign_in(trainer)
    desk.get("/en/desk/education/")  # warm the session and the content cache
    with django_assert_max_num_queries(14) as one:
        desk.get("/en/desk/education/")
    for _ in range(5):
        a_session(trainer, curriculum)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = desk.get("/en/desk/education/").content.decode()
    assert page.count("/en/desk/education/sessions/") >= 6
