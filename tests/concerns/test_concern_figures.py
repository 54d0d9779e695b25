"""Concern figures in the transparency report, suppressed for small numbers (issue #21, item 6)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from karpear.concerns.models import Concern
from karpear.orgs.models import Organisation
from karpear.transparency.figures import compute
from karpear.transparency.services import CSV_MAP, _matches, public_figures
from tests.concerns.helpers import a_concern

YEAR = (date(2025, 1, 1), date(2025, 12, 31))
JUNE = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)


def test_the_year_counts_concerns_and_hides_small_numbers(acme: Organisation) -> None:
    for n in range(12):
        concern, _secret = a_concern(acme, text=f"concern {n}")
        done = {"outcome": "action_taken"} if n < 2 else {}
        Concern.objects.filter(pk=concern.pk).update(
            received_at=JUNE, acknowledge_by=JUNE, acknowledged_at=JUNE if n < 11 else None, **done
        )
    figures = compute(acme, *YEAR)["concerns"]
    assert (figures["received"], figures["acknowledged_in_time"]) == (12, 11)
    assert figures["outcome"] == {"action_taken": 2, "no_further_action": 0, "undecided": 10}
    shown = public_figures(compute(acme, *YEAR), threshold=10)["concerns"]
    assert shown["received"] == 12 and shown["acknowledged_in_time"] == 11
    assert shown["outcome"]["action_taken"] == "<10"
    assert shown["outcome"]["no_further_action"] == "<10"  # else 12 - 10 - 0 would reveal it
    assert any(_matches(p, "concerns.received") for p, _s, _f in CSV_MAP)
    assert compute(acme, date(2024, 1, 1), date(2024, 12, 31))["concerns"]["received"] == 0
