"""The workflow with reasons, the figures, and retention (issue #21, item 6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from karpear.concerns.models import Concern, ConcernMessage
from karpear.concerns.selectors import concern_figures
from karpear.concerns.services import (
    concern_open,
    concern_reply,
    concern_transition,
    erase_expired,
)
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from tests.cast import Person, sign_in
from tests.concerns.helpers import a_concern
from tests.safeguarding.helpers import appoint_officer


@pytest.fixture
def officer(acme: Organisation, admin: Person, lead: Person) -> Person:
    appoint_officer(admin, lead)
    return lead


def _move(officer: Person, concern: Concern, to: str, reason: str = "because") -> Concern:
    return concern_transition(member=officer.member, concern_id=concern.pk, to=to, reason=reason)


def test_a_concern_moves_step_by_step_with_reasons_and_the_figures_count_it(
    acme: Organisation, officer: Person
) -> None:
    concern, _secret = a_concern(acme)
    late, _s = a_concern(acme)
    Concern.objects.filter(pk=late.pk).update(acknowledge_by=timezone.now() - timedelta(hours=1))
    with pytest.raises(ApplicationError) as skipped:
        _move(officer, concern, "closed")
    assert skipped.value.code == "bad_move"
    _move(officer, concern, "acknowledged", reason="")
    _move(officer, concern, "under_review")
    with pytest.raises(ApplicationError) as no_reason:
        _move(officer, concern, "action_taken", reason=" ")
    assert "reason" in no_reason.value.fields
    _move(officer, concern, "action_taken", reason="Coach suspended; police informed.")
    closed = _move(officer, concern, "closed")
    assert closed.outcome == "action_taken" and closed.closed_at is not None
    _move(officer, late, "acknowledged", reason="")
    figures = concern_figures(acme)
    assert figures["received"] == 2
    assert (figures["acknowledged_in_time"], figures["acknowledged_late"]) == (1, 1)
    assert figures["outcome"] == {"action_taken": 1, "no_further_action": 0, "undecided": 1}
    assert [s.status for s in concern.steps.order_by("at", "pk")] == [
        "received",
        "acknowledged",
        "under_review",
        "action_taken",
        "closed",
    ]


def test_a_closed_concern_takes_no_more_messages(acme: Organisation, officer: Person) -> None:
    concern, secret = a_concern(acme)
    for step in ("acknowledged", "under_review", "no_further_action", "closed"):
        _move(officer, concern, step)
    with pytest.raises(ApplicationError):
        concern_reply(member=officer.member, concern_id=concern.pk, body="more")
    from karpear.concerns.services import concern_answer

    with pytest.raises(ApplicationError):
        concern_answer(
            concern=concern_open(organisation=acme, code=concern.code, secret=secret), body="x"
        )


def test_texts_are_erased_after_the_retention_period_and_the_receipt_stops_working(
    acme: Organisation, officer: Person, settings: object
) -> None:
    concern, secret = a_concern(acme)
    concern_reply(member=officer.member, concern_id=concern.pk, body="We are looking into it.")
    for step in ("under_review", "no_further_action", "closed"):
        _move(officer, concern, step)
    assert erase_expired() == 0
    Concern.objects.filter(pk=concern.pk).update(closed_at=timezone.now() - timedelta(days=366))
    assert erase_expired() == 1
    concern.refresh_from_db()
    assert (concern.text, concern.secret_hash) == ("", "")
    assert set(ConcernMessage.objects.values_list("body", flat=True)) == {""}
    assert concern_figures(acme)["outcome"]["no_further_action"] == 1
    with pytest.raises(ApplicationError):
        concern_open(organisation=acme, code=concern.code, secret=secret)


def test_the_officers_list_costs_the_same_queries_for_one_or_many_concerns(
    acme: Organisation, officer: Person, django_assert_max_num_queries: Any
) -> None:
    """One read of the officer's positions (it was read twice: 16), one of the concerns, and
    the audit entry that records the listing."""
    a_concern(acme)
    desk = sign_in(officer)
    desk.get("/en/desk/concerns/")  # warm the session
    with django_assert_max_num_queries(15) as one:
        desk.get("/en/desk/concerns/")
    for _ in range(5):
        a_concern(acme)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = desk.get("/en/desk/concerns/").content.decode()
    assert page.count("/en/desk/concerns/") >= 6
