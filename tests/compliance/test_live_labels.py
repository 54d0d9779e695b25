"""Every figure a live provider shows on the desk and in the PDF has a label of its own."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import pytest

from karpear.compliance.live import (
    FIGURE_LABELS,
    PROVIDERS,
    assessments,
    desk,
    education,
    live_figure,
    referrals,
    safeguarding,
    safety,
)
from karpear.orgs.models import Organisation
from tests.cast import Person

NOW = datetime.fromisoformat("2026-06-01T00:00:00+07:00")
GROUPS = (assessments, desk, education, referrals, safeguarding, safety)


def test_no_two_provider_groups_label_the_same_figure() -> None:
    keys = Counter(k for group in GROUPS for k in group.FIGURE_LABELS)
    assert [k for k, n in keys.items() if n > 1] == []


def test_every_provider_is_registered_once() -> None:
    names = [fn.__name__ for group in GROUPS for fn in group.PROVIDERS]
    assert sorted(names) == sorted(PROVIDERS)


@pytest.mark.django_db
def test_every_figure_a_provider_returns_has_a_label(acme: Organisation) -> None:
    unlabelled = {}
    for name in PROVIDERS:
        live = live_figure(name, acme, NOW)
        assert live is not None and live.provider == name
        missing = set(live.figures) - set(FIGURE_LABELS)
        if missing:
            unlabelled[name] = missing
    assert unlabelled == {}


def test_an_overview_and_a_new_checklist_read_each_provider_once(
    compliance: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three COP items name `reporting_facility`: one reading serves them all."""
    from karpear.compliance import live
    from karpear.compliance.services import assessment_start, overview

    calls: list[str] = []
    original = live.PROVIDERS["reporting_facility"]

    def counted(org: Any, now: Any) -> Any:
        calls.append("read")
        return original(org, now)

    monkeypatch.setitem(live.PROVIDERS, "reporting_facility", counted)
    assessment = assessment_start(member=compliance.member, framework_id="cop-checklist")
    assert calls == ["read"]
    overview(assessment)
    assert calls == ["read", "read"]
