"""SBD-3.2 (annual transparency report) is proven by the published reports (#16 item 6)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from karpear.compliance.live import live_figure
from karpear.orgs.models import Organisation
from karpear.transparency.services import report_publish
from tests.cast import Person

pytestmark = pytest.mark.django_db

TEXT = {h: {"en": f"{h} text", "km": f"{h} អត្ថបទ"} for h in ("policies", "processes", "outcomes")}
NOW = datetime.fromisoformat("2026-06-01T00:00:00+07:00")


def _publish(member: Person, start: date, end: date) -> None:
    report_publish(member=member.member, start=start, end=end, narrative=TEXT)


def test_without_a_published_report_it_says_none_is_published(acme: Organisation) -> None:
    live = live_figure("transparency_report", acme, NOW)
    assert live is not None
    assert (live.status, live.suggested, live.figures["report_periods"]) == ("missing", "no", 0)


def test_last_years_report_proves_the_item(acme: Organisation, compliance: Person) -> None:
    _publish(compliance, date(2025, 1, 1), date(2025, 12, 31))
    live = live_figure("transparency_report", acme, NOW)
    assert live is not None
    assert (live.status, live.suggested) == ("proven", "yes")
    assert live.figures["report_latest"] == "2025-01-01 to 2025-12-31"


def test_an_old_report_only_partly_proves_it(acme: Organisation, compliance: Person) -> None:
    _publish(compliance, date(2023, 1, 1), date(2023, 12, 31))
    live = live_figure("transparency_report", acme, NOW)
    assert live is not None and (live.status, live.suggested) == ("partial", "partially")


def test_another_organisations_report_does_not_count(
    acme: Organisation, bayon: Organisation, compliance: Person
) -> None:
    _publish(compliance, date(2025, 1, 1), date(2025, 12, 31))
    live = live_figure("transparency_report", bayon, NOW)
    assert live is not None and live.status == "missing"
