"""Curricula, sessions and participants made through the real services."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from karpear.education import services
from karpear.education.models import Curriculum, Session, SessionStatus
from karpear.staff.models import StaffMember
from tests.cast import Person

PARENTS = "parents-core"  # six questions
TEENS = "young-13-15-core"  # seven questions


def a_curriculum(trainer: Person, template: str = PARENTS) -> Curriculum:
    return services.curriculum_create(member=trainer.member, template_id=template)


def a_session(
    trainer: Person,
    curriculum: Curriculum,
    *,
    province: str = "12",
    district: str = "1201",
    held_on: date | None = None,
    partner: str = "ChildFun Cambodia",
) -> Session:
    return services.session_plan(
        member=trainer.member,
        plan=services.SessionPlan(
            curriculum_id=curriculum.pk,
            held_on=held_on or timezone.localdate(),
            province=province,
            district=district,
            place="Hun Sen Chamkar Mon High School",
            partner=partner,
            trainer_id=trainer.member.pk,
        ),
    )


def move(member: StaffMember, session: Session, *statuses: SessionStatus) -> Session:
    for status in statuses:
        session = services.session_set_status(member=member, session=session, status=status)
    return session


def answers(curriculum: Curriculum, right: int) -> dict[str, int]:
    """The first `right` questions answered correctly, the rest wrongly."""
    out: dict[str, int] = {}
    for i, q in enumerate(curriculum.questions):
        wrong = (q["answer"] + 1) % len(q["choices"])
        out[q["id"]] = q["answer"] if i < right else wrong
    return out


def form(curriculum: Curriculum, code: str, right: int) -> dict[str, Any]:
    return {"code": code, **{f"q_{k}": v for k, v in answers(curriculum, right).items()}}
