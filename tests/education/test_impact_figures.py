"""Impact statistics on small cases computed by hand (issue #19, items 5 and 8)."""

from __future__ import annotations

import math

import pytest

from karpear.education import services
from karpear.education.models import Session, SessionStatus
from karpear.education.selectors import ImpactFilter, impact, suppressed
from karpear.education.stats import paired, t_quantile
from karpear.orgs.models import Organisation
from tests.cast import Person
from tests.education.helpers import a_curriculum, a_session, answers, move


@pytest.mark.parametrize(
    ("df", "expected"),
    # Student's t, 97.5th percentile, from printed tables.
    [(1, 12.7062), (3, 3.1824), (4, 2.7764), (10, 2.2281), (19, 2.0930), (1000, 1.9623)],
)
def test_the_t_quantile_matches_the_printed_tables(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-4)


def _run(trainer: Person, session: Session, pairs: list[tuple[int, int]]) -> None:
    """Each (before, after) pair: that many of the six parent questions right."""
    move(trainer.member, session, SessionStatus.BEFORE)
    for i, (before, _after) in enumerate(pairs):
        services.quiz_submit(
            session=session,
            code=f"code{i}",
            phase="pre",
            answers=answers(session.curriculum, before),
        )
    move(trainer.member, session, SessionStatus.AFTER)
    for i, (_before, after) in enumerate(pairs):
        services.quiz_submit(
            session=session,
            code=f"code{i}",
            phase="post",
            answers=answers(session.curriculum, after),
        )


def test_four_pairs_give_an_interval_that_crosses_zero(trainer: Person, acme: Organisation) -> None:
    """Gains of 2, 3, 1 and 0 questions of 6: in points 33.3, 50, 16.7, 0.

    By hand: mean 1.5 questions = 25 points; sd of (2, 3, 1, 0) = sqrt(5/3) questions
    = 21.5166 points; t(0.975, 3) = 3.182446; half-width 3.182446 * 21.5166 / 2 = 34.2377,
    so the interval is -9.2377 to 59.2377: it includes zero. d_z = 25 / 21.5166 = 1.1619.
    """
    session = a_session(trainer, a_curriculum(trainer))
    _run(trainer, session, [(1, 3), (2, 5), (3, 4), (4, 4)])
    f = impact(acme, ImpactFilter())
    p = f["paired"]
    assert p.n == 4
    assert p.mean == pytest.approx(25.0)
    assert p.sd == pytest.approx(100 / 6 * math.sqrt(5 / 3))
    assert p.ci_low == pytest.approx(-9.2377, abs=1e-3)
    assert p.ci_high == pytest.approx(59.2377, abs=1e-3)
    assert p.effect_size == pytest.approx(1.1619, abs=1e-4)
    assert p.crosses_zero
    # Means before and after: (1+2+3+4)/4 = 2.5 and (3+5+4+4)/4 = 4 questions of 6.
    assert f["pre_mean"] == pytest.approx(250 / 6)
    assert f["post_mean"] == pytest.approx(400 / 6)
    assert f["completion"] == pytest.approx(100.0)


def test_five_pairs_give_an_interval_above_zero(trainer: Person, acme: Organisation) -> None:
    """Gains of 1, 2, 2, 3, 2 questions of 6: mean 2 = 33.33 points; sd sqrt(0.5) questions
    = 11.7851 points; t(0.975, 4) = 2.776445; half-width 2.776445 * 11.7851 / sqrt(5) = 14.6332;
    interval 18.7001 to 47.9666; d_z = 33.333 / 11.7851 = 2.8284."""
    session = a_session(trainer, a_curriculum(trainer))
    _run(trainer, session, [(2, 3), (1, 3), (3, 5), (0, 3), (4, 6)])
    p = impact(acme, ImpactFilter())["paired"]
    assert (p.n, p.mean) == (5, pytest.approx(100 / 3))
    assert p.ci_low == pytest.approx(18.7001, abs=1e-3)
    assert p.ci_high == pytest.approx(47.9666, abs=1e-3)
    assert p.effect_size == pytest.approx(2.8284, abs=1e-4)
    assert not p.crosses_zero


def test_one_pair_has_no_interval_and_no_pair_has_nothing() -> None:
    assert paired(0, None, None) is None
    one = paired(1, 50.0, None)
    assert one is not None and one.ci_low is None and one.effect_size is None
    same = paired(3, 10.0, 0.0)
    assert same is not None and same.ci_low == same.ci_high == 10.0 and same.effect_size is None


def test_per_question_difficulty_flags_known_and_unlearned_items(
    trainer: Person, acme: Organisation
) -> None:
    """Everyone answers the first two questions right both times (already known) and the last
    wrong both times (not learned); question 3 goes from wrong to right."""
    session = a_session(trainer, a_curriculum(trainer))
    _run(trainer, session, [(2, 5)] * 3)
    rows = {q["question"]: q for q in impact(acme, ImpactFilter())["questions"]}
    assert rows["p1"]["pre_pct"] == 100.0 and rows["p1"]["flag"] == "already_known"
    assert rows["p3"]["pre_pct"] == 0.0 and rows["p3"]["post_pct"] == 100.0
    assert rows["p3"]["flag"] == ""
    assert rows["p6"]["post_pct"] == 0.0 and rows["p6"]["flag"] == "not_learned"


def test_small_numbers_are_hidden_as_in_the_transparency_report(
    trainer: Person, acme: Organisation
) -> None:
    session = a_session(trainer, a_curriculum(trainer))
    _run(trainer, session, [(1, 3), (2, 5), (3, 4), (4, 4)])
    shown = suppressed(impact(acme, ImpactFilter()), threshold=10)
    assert shown["pairs_n"] == "<10" and shown["pre_n"] == "<10"
    assert shown["paired"] is None and shown["pre_mean"] is None
    assert all(q["pre_pct"] is None and q["flag"] == "" for q in shown["questions"])
    assert suppressed(impact(acme, ImpactFilter()), threshold=4)["paired"] is not None


def test_a_hidden_group_cannot_be_worked_out_from_the_attendance_total(
    trainer: Person, acme: Organisation
) -> None:
    """One 13-15-year-old among 23 adults: "<5" beside 23 and a total of 24 would say 1."""
    session = a_session(trainer, a_curriculum(trainer))
    services.attendance_record(
        member=trainer.member,
        session=session,
        counts={("female", "adult"): 14, ("male", "adult"): 9, ("other", "13_15"): 1},
    )
    shown = suppressed(impact(acme, ImpactFilter()), threshold=5)
    assert shown["attended"] == 24
    assert shown["by_age"] == {"adult": "<5", "13_15": "<5"}
    assert shown["by_gender"] == {"female": 14, "male": "<5", "other": "<5"}


def test_filters_keep_provinces_curricula_and_organisations_apart(
    trainer: Person, acme: Organisation, bayon: Organisation
) -> None:
    from karpear.staff.models import Role
    from tests.cast import _person

    phnom_penh = a_session(trainer, a_curriculum(trainer))
    _run(trainer, phnom_penh, [(1, 3), (2, 5)])
    siem_reap = a_session(
        trainer, a_curriculum(trainer, "young-13-15-core"), province="17", district="1710"
    )
    _run(trainer, siem_reap, [(1, 1)])
    other = _person(bayon, "b-trainer", Role.TRAINER)
    _run(other, a_session(other, a_curriculum(other)), [(0, 6)] * 3)
    assert impact(acme, ImpactFilter(province="12"))["paired"].n == 2
    assert impact(acme, ImpactFilter(province="17"))["paired"].n == 1
    assert impact(acme, ImpactFilter(audience="young_13_15"))["paired"].n == 1
    assert impact(acme, ImpactFilter())["paired"].n == 3
    assert impact(bayon, ImpactFilter())["paired"].n == 3
