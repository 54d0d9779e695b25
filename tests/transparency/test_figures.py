"""Every figure of the report checked exactly on a hand-built data set (issue #9, point 7)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from karpear.cases.models import AuthorityReferral, Case, Decision
from karpear.orgs.models import Organisation
from karpear.transparency.figures import compute, period_bounds
from tests.cast import make_case

pytestmark = pytest.mark.django_db
YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def _case(  # noqa: PLR0917 - one line per case reads best in the tests
    org: Organisation,
    n: int,
    received: datetime,
    first_h: float | None,
    final_h: float | None,
    category: str = "sexual_image",
) -> Case:
    case = make_case(org, url=f"https://social.example/p/{n}", category=category)
    from karpear.cases.models import CaseReport
    from karpear.reports.models import Report

    report_id = CaseReport.objects.get(case=case).report_id
    Report.objects.filter(pk=report_id).update(received_at=received)
    Case.objects.filter(pk=case.pk).update(
        opened_at=received,
        first_action_at=received + timedelta(hours=first_h) if first_h is not None else None,
        closed_at=received + timedelta(hours=final_h) if final_h is not None else None,
    )
    case.refresh_from_db()
    return case


def test_a_year_runs_midnight_to_midnight_in_phnom_penh() -> None:
    since, until = period_bounds(*YEAR)
    assert since.astimezone(UTC) == datetime(2024, 12, 31, 17, 0, tzinfo=UTC)
    assert until.astimezone(UTC) == datetime(2025, 12, 31, 17, 0, tzinfo=UTC)


def test_an_empty_year(acme: Organisation) -> None:
    figures = compute(acme, *YEAR)
    assert figures["reports"]["total"] == 0
    assert figures["response_times"]["all"] == {}
    assert figures["notices"]["hours_to_acknowledge"] == {"n": 0}
    assert figures["hash_matches"] == {"status": "not_configured"}
    assert figures["self_assessment"] is None


def test_every_figure_of_a_small_year(acme: Organisation) -> None:
    jan1 = datetime(2024, 12, 31, 17, 0, tzinfo=UTC)  # 2025-01-01 00:00 in Phnom Penh
    # Just outside on both sides: not counted.
    _case(acme, 1, jan1 - timedelta(seconds=1), 1, 2)
    _case(acme, 2, datetime(2025, 12, 31, 17, 0, tzinfo=UTC), 1, 2)
    # Inside: first action after 1, 2, 3 and 10 hours; two closed after 24 and 48 hours.
    first = _case(acme, 3, jan1, 1, 24)
    _case(acme, 4, datetime(2025, 6, 1, 3, 0, tzinfo=UTC), 2, 48, category="grooming")
    _case(acme, 5, datetime(2025, 9, 1, tzinfo=UTC), 3, None, category="grooming")
    _case(acme, 6, datetime(2025, 12, 31, 16, 59, 59, tzinfo=UTC), 10, None)
    for kind, ground, when in (
        ("content_remove", "law", jan1),
        ("content_remove", "law", jan1 + timedelta(days=3)),
        ("content_isolate", "terms", jan1),
        ("account_warning", "terms", jan1),
        ("account_ban", "law", datetime(2026, 1, 2, tzinfo=UTC)),  # next year
    ):
        Decision.objects.create(
            case=first, organisation=acme, kind=kind, ground=ground, clause="c", decided_at=when
        )
    AuthorityReferral.objects.create(case=first, authority="acu", referred_at=jan1)

    f = compute(acme, *YEAR)
    assert f["reports"]["total"] == 4
    assert f["reports"]["by_channel"] == {"web": 4, "in_app": 0}
    assert f["reports"]["by_category"]["grooming"] == 2
    assert f["reports"]["by_category"]["sexual_image"] == 2
    assert f["reports"]["items"] == 4
    assert f["cases_opened"] == {
        "total": 4,
        "by_source": {"report": 4, "notice": 0, "hash_match": 0},
    }
    assert f["content_actions"]["content_remove"] == {"law": 2, "terms": 0}
    assert f["content_actions"]["content_isolate"] == {"law": 0, "terms": 1}
    assert f["account_actions"]["account_warning"] == {"law": 0, "terms": 1}
    assert f["account_actions"]["account_ban"] == {"law": 0, "terms": 0}
    assert f["referrals"] == {"acu": 1, "hotline": 0, "other": 0}
    timing = f["response_times"]["all"]["all"]
    # Even count 1, 2, 3, 10: median 2.5; p90 at position 2.7: 3 + 0.7 x 7 = 7.9.
    assert timing["first_action"] == {"n": 4, "p50": 2.5, "p90": 7.9}
    # Two closed: 24 and 48: median 36, p90 24 + 0.9 x 24 = 45.6.
    assert timing["final_action"] == {"n": 2, "p50": 36.0, "p90": 45.6}
    by_category = f["response_times"]["category"]
    assert by_category["grooming"]["first_action"] == {"n": 2, "p50": 2.5, "p90": 2.9}
    assert by_category["grooming"]["final_action"] == {"n": 1, "p50": 48.0, "p90": 48.0}
    assert f["response_times"]["channel"]["web"]["first_action"]["n"] == 4


def test_a_report_joining_a_case_already_acted_on_counts_zero_hours(acme: Organisation) -> None:
    received = datetime(2025, 3, 1, tzinfo=UTC)
    case = _case(acme, 7, received, 5, None)
    # A second report of the same link, after the action: it joins the case.
    later = make_case(acme, url="https://social.example/p/7")
    assert later.pk == case.pk
    from karpear.cases.models import CaseReport
    from karpear.reports.models import Report

    newest = CaseReport.objects.filter(case=case).order_by("-id").first()
    assert newest is not None
    Report.objects.filter(pk=newest.report_id).update(received_at=received + timedelta(hours=9))
    timing = compute(acme, *YEAR)["response_times"]["all"]["all"]["first_action"]
    assert timing == {"n": 2, "p50": 2.5, "p90": 4.5}


def test_another_organisation_is_never_counted(acme: Organisation, bayon: Organisation) -> None:
    _case(bayon, 8, datetime(2025, 5, 1, tzinfo=UTC), 1, 1)
    assert compute(acme, *YEAR)["reports"]["total"] == 0
    assert compute(bayon, *YEAR)["reports"]["total"] == 1
