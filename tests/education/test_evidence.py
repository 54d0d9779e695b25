"""Checklist items 37-41 and the transparency report read the education records (issue #19, 6)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from karpear.compliance.frameworks import get_framework
from karpear.compliance.live import live_figure
from karpear.education import services
from karpear.education.models import Curriculum, SessionStatus
from karpear.orgs.models import Organisation
from karpear.transparency.figures import compute
from karpear.transparency.services import public_figures
from tests.cast import Person
from tests.education.helpers import a_curriculum, a_session, answers, move


def _measured(trainer: Person, pairs: int, *, followups: int = 0) -> None:
    curriculum = Curriculum.objects.filter(organisation=trainer.member.organisation).first()
    session = a_session(trainer, curriculum or a_curriculum(trainer))
    move(trainer.member, session, SessionStatus.BEFORE)
    for i in range(pairs):
        services.quiz_submit(
            session=session, code=f"kid{i}", phase="pre", answers=answers(session.curriculum, 2)
        )
    move(trainer.member, session, SessionStatus.AFTER, SessionStatus.CLOSED)
    for i in range(pairs):
        services.quiz_submit(
            session=session,
            code=f"kid{i}",
            phase="post",
            answers=answers(session.curriculum, 3 + i % 3),
            channel="paper",
            member=trainer.member,
        )
    for i in range(followups):
        services.followup_submit(
            session=session,
            code=f"kid{i}",
            practice={p["id"]: True for p in session.curriculum.practice},
            now=timezone.now() + timedelta(days=30),
        )


def test_items_37_to_41_name_the_education_providers() -> None:
    checklist = get_framework("cop-checklist")
    assert checklist is not None
    live = {ref: checklist.items[ref].live for ref in ("COP-37", "COP-38", "COP-39", "COP-40")}
    assert set(live.values()) == {"education_programme", "education_partners"}
    assert checklist.items["COP-41"].live == "education_research"


def test_the_checklist_is_proven_only_when_knowledge_and_practice_are_measured(
    trainer: Person, acme: Organisation
) -> None:
    assert live_figure("education_programme", acme).status == "missing"  # type: ignore[union-attr]
    _measured(trainer, 3)
    partial = live_figure("education_programme", acme)
    assert partial is not None and (partial.status, partial.suggested) == ("partial", "partially")
    assert partial.figures["education_pairs"] == 3
    partners = live_figure("education_partners", acme)
    assert partners is not None and partners.figures["education_partners"] == "ChildFun Cambodia"
    assert partners.status == "proven"
    research = live_figure("education_research", acme)
    assert research is not None and research.status == "partial"
    _measured(trainer, 2, followups=2)  # practice measured at follow-up too
    proven = live_figure("education_programme", acme)
    assert proven is not None and (proven.status, proven.suggested) == ("proven", "yes")
    assert proven.figures["education_followups"] == 2


def test_the_transparency_report_gains_a_suppressed_education_section(
    trainer: Person, acme: Organisation
) -> None:
    _measured(trainer, 12)
    today = timezone.localdate()
    figures = compute(acme, today - timedelta(days=1), today)
    education = figures["education"]
    assert (education["sessions"], education["pairs"]) == (1, 12)
    # Before 2 of 6 right (33.3); after 3, 4 or 5 of 6, four of each: mean 4 of 6 (66.7).
    assert education["mean_gain"] == 100 / 3
    shown = public_figures(figures, threshold=10)["education"]
    assert shown["pairs"] == 12 and shown["mean_gain"] == 33.3
    assert shown["ci_low"] is not None and shown["ci_low"] < 33.3 < shown["ci_high"]
    hidden = public_figures(figures, threshold=20)["education"]
    assert hidden["pairs"] == "<20" and hidden["mean_gain"] is None and hidden["ci_low"] is None
