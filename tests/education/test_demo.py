"""`karpear demo` seeds a trainer's two curricula and a session open on the phone (issue #19, 9)."""

from __future__ import annotations

from karpear.education.demo import demo_education, open_session
from karpear.education.models import Curriculum
from karpear.education.selectors import ImpactFilter, impact, suppressed
from karpear.orgs.models import Organisation
from tests.cast import Person


def test_the_demo_has_curricula_for_parents_and_adolescents_and_a_measured_session(
    trainer: Person, acme: Organisation
) -> None:
    session = demo_education(trainer.member)
    assert session is not None and open_session(acme) == session
    audiences = set(Curriculum.objects.filter(organisation=acme).values_list("audience", flat=True))
    assert audiences == {"parents", "young_13_15"}
    shown = suppressed(impact(acme, ImpactFilter(audience="young_13_15")))
    assert shown["pairs_n"] == 22 and shown["paired"] is not None
    assert shown["paired"].ci_low is not None and shown["paired"].ci_low > 0
    assert demo_education(trainer.member) is None  # seeded once
