"""Swipe Safe in `karpear demo` (issue #19, item 9): a trainer's two curricula (parents and
adolescents 13-15), a finished session with before/after answers and follow-ups, and a parents'
session whose before-quiz is open now, so the session link can be tried on a phone."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from karpear.core.demo import DemoContext, register_demo
from karpear.education import services
from karpear.education.models import Curriculum, Session, SessionStatus
from karpear.orgs.models import Organisation
from karpear.staff.models import StaffMember


def open_session(org: Organisation) -> Session | None:
    """A session of the demo whose quiz is open now, to print its link."""
    return (
        Session.objects.filter(
            organisation=org, status__in=[SessionStatus.BEFORE, SessionStatus.AFTER]
        )
        .order_by("-pk")
        .first()
    )


def demo_education(trainer: StaffMember) -> Session | None:
    """Seed once; returns the open parents' session (None when already seeded)."""
    if Curriculum.objects.filter(organisation=trainer.organisation).exists():
        return None
    teens = services.curriculum_create(member=trainer, template_id="young-13-15-core")
    parents = services.curriculum_create(member=trainer, template_id="parents-core")
    today = timezone.localdate()
    finished = services.session_plan(
        member=trainer,
        plan=services.SessionPlan(
            curriculum_id=teens.pk,
            held_on=today - timedelta(days=35),
            province="12",
            district="1201",
            place="Lower secondary school",
            partner="ChildFun Cambodia",
            trainer_id=trainer.pk,
        ),
    )
    services.attendance_record(
        member=trainer,
        session=finished,
        counts={("female", "13_15"): 14, ("male", "13_15"): 11, ("other", "13_15"): 1},
    )
    rng = random.Random(19)  # noqa: S311 - the same demo every time, not a secret
    right_answers = {q["id"]: q["answer"] for q in teens.questions}

    def sheet(right: int) -> dict[str, int]:
        ids = list(right_answers)
        chosen = set(rng.sample(ids, right))
        return {q: (a if q in chosen else (a + 1) % 3) for q, a in right_answers.items()}

    before = [rng.randint(1, 4) for _ in range(24)]
    services.session_set_status(member=trainer, session=finished, status=SessionStatus.BEFORE)
    for i, right in enumerate(before):
        services.quiz_submit(session=finished, code=f"demo{i}", phase="pre", answers=sheet(right))
    services.session_set_status(member=trainer, session=finished, status=SessionStatus.AFTER)
    for i, right in enumerate(before[:22]):  # two left early
        after = min(7, right + rng.choice([0, 1, 2, 2, 3]))
        services.quiz_submit(session=finished, code=f"demo{i}", phase="post", answers=sheet(after))
    services.session_set_status(member=trainer, session=finished, status=SessionStatus.CLOSED)
    items = [p["id"] for p in teens.practice]
    for i in range(15):
        services.followup_submit(
            session=finished,
            code=f"demo{i}",
            practice={item: rng.random() < 0.6 for item in items},
        )
    live = services.session_plan(
        member=trainer,
        plan=services.SessionPlan(
            curriculum_id=parents.pk,
            held_on=today,
            province="17",
            district="1710",
            place="Commune hall",
            partner="Provincial Department of Social Affairs",
            trainer_id=trainer.pk,
        ),
    )
    return services.session_set_status(member=trainer, session=live, status=SessionStatus.BEFORE)


def _demo_step(context: DemoContext) -> None:
    from karpear.staff.models import Role
    from karpear.staff.services import staff_create

    # A demo from before issue #19 gains its trainer too.
    trainer = StaffMember.objects.filter(
        user__username="trainer", organisation=context.organisation
    ).first() or staff_create(
        organisation=context.organisation,
        username="trainer",
        password=context.shared["password"],
        role=Role.TRAINER,
    )
    session = demo_education(trainer) or open_session(context.organisation)
    context.write(f"Swipe Safe lessons: {context.url}/learn/   (English: /en/learn/)")
    if session is not None:
        context.write(
            f"Swipe Safe session link (before-quiz open): {context.url}/learn/s/{session.token}/"
        )


register_demo(name="education", order=66, run=_demo_step)
