"""Migration cases 0006: open cases a race left twice about one item are joined into the
oldest before the one-open-case index (0007) is built, so the index can be built at all."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from karpear.cases.models import Case, CaseEvent, CaseReport, State
from karpear.orgs.models import Organisation
from karpear.reports.models import Report
from tests.cast import make_case

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("cases", "0005_four_eyes_confirmation")]
AFTER = [("cases", "0007_one_open_case_per_content")]


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _twin(case: Case) -> Case:
    """A second open case with the same key, as the race made them (written by hand: only
    possible without the index)."""
    values: dict[str, Any] = {
        f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields if not f.primary_key
    }
    return Case.objects.create(**values)


def test_open_twins_are_joined_into_the_oldest(acme: Organisation, bayon: Organisation) -> None:
    keeper = make_case(acme, "https://social.example/p/twin")
    other_org = make_case(bayon, "https://social.example/p/twin")
    _migrate(BEFORE)
    try:
        twin = _twin(keeper)
        report = Report.objects.create(
            organisation=acme,
            channel="web",
            category="grooming",
            reference="TWIN00000001",
            received_at=keeper.opened_at,
        )
        CaseReport.objects.create(case=twin, report=report, channel="web", joined_at=twin.opened_at)
        Case.objects.filter(pk=twin.pk).update(report_count=1, state=State.IN_REVIEW)
    finally:
        _migrate(AFTER)
    twin.refresh_from_db()
    keeper.refresh_from_db()
    assert (twin.state, twin.duplicate_of_id, twin.report_count) == (State.CLOSED, keeper.pk, 0)
    assert keeper.is_open and keeper.report_count == 2
    assert CaseReport.objects.get(report=report).case_id == keeper.pk
    assert CaseEvent.objects.filter(case=twin, kind="duplicate").exists()
    assert CaseEvent.objects.get(case=keeper, kind="joined").detail == {"cases": [twin.pk]}
    assert Case.objects.get(pk=other_org.pk).is_open  # another organisation's case is its own
