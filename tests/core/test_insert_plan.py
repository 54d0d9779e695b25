"""InsertPlan's parameters are what the ORM would send (issue #24, u2).

The report's statement skips Django's get_db_prep_save for values the column stores as they
are; every other value (an enum member, a naive datetime, JSON), and every column it fills
with a default, must come out as Django prepares it (`insert_parts`, which calls Django's
method for every column), so a report written by the one statement reads back as the ORM's.
"""

from __future__ import annotations

import warnings
from datetime import date, datetime, time
from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from karpear.cases.models import Case, CaseEvent, State
from karpear.core.rows import InsertPlan, insert_parts
from karpear.reports.models import Channel, Report

pytestmark = pytest.mark.django_db

NOW = timezone.now()
REPORTS = [
    {
        "organisation_id": 1,
        "reference": "AAAA-BBBB-CCCC",
        "channel": Channel.IN_APP,
        "category": "other",
        "seen_on": date(2026, 1, 31),
        "seen_at_time": time(14, 30),
        "seen_approximate": True,
        "description": "text",
        "reporter_is_child": None,
        "language": "km",
        "received_at": NOW,
    },
    {
        "organisation_id": 2,
        "reference": "DDDD-EEEE-FFFF",
        "channel": "portal",
        "category": "",
        "seen_on": None,
        "seen_at_time": None,
        "seen_approximate": False,
        "description": "",
        "reporter_is_child": False,
        "language": "en",
        "received_at": datetime(2026, 1, 31, 12, 0),  # noqa: DTZ001 - naive: Django makes it aware
    },
]
CASE = {"organisation_id": 1, "category": "other", "group_key": "url:x", "opened_at": NOW}
EVENT = {
    "kind": "opened",
    "to_state": State.RECEIVED,
    "at": NOW,
    "actor_id": None,
    "detail": {"report": "AAAA-BBBB-CCCC"},
}


def _same(model: type[models.Model], values: dict[str, Any], exprs: dict[str, str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the naive datetime, both sides
        ours = InsertPlan(model, values, exprs).params(values)
        theirs = insert_parts(model, values, exprs)[2]

    def plain(params: list[Any]) -> list[Any]:
        # A NULL is a parameter of ours, a typed NULL in insert_parts' text; psycopg's Jsonb
        # wraps the JSON value in a new object each time.
        return [getattr(p, "obj", p) for p in params if p is not None]

    assert plain(ours) == plain(theirs)


@pytest.mark.parametrize("values", REPORTS)
def test_a_reports_parameters_are_the_orms(values: dict[str, Any]) -> None:
    _same(Report, values, {"status": "'received'"})


def test_a_case_and_its_event_get_the_orms_parameters() -> None:
    _same(Case, CASE, {"review_due_at": "now()", "next_due_at": "now()"})
    _same(CaseEvent, EVENT, {"case_id": "1"})


def test_a_field_not_given_takes_its_default() -> None:
    given = {k: v for k, v in REPORTS[0].items() if k != "description"}
    plan = InsertPlan(Report, REPORTS[0])
    assert plan.params(given) == plan.params({**given, "description": ""})
