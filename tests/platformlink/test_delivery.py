"""Webhooks to the platform: signed, at least once, backoff, dead letters, rotation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from karpear.cases.models import AuthorityReferral, Decision, DecisionKind, Ground
from karpear.orgs.models import Organisation
from karpear.platformlink.models import EventStatus, PlatformLink, WebhookEvent
from karpear.platformlink.services import (
    dead_letter_retry,
    deliver_due,
    deliver_one,
    link_rotate_secret,
)
from tests.cast import Person, decide_account, isolate_post, make_case
from tests.platform_fixture import RefPlatform


@pytest.fixture(autouse=True)
def _no_isolation_on_receipt(settings: Any) -> None:
    """These tests deliver the desk's own decisions, one event at a time (isolation on receipt
    has its own tests in tests/cases/test_isolate_on_receipt.py)."""
    settings.KARPEAR_ISOLATE_ON_RECEIPT = []


def _isolate(
    acme: Organisation, analyst: Person, post: int = 3, *, preserved: bool = True
) -> Decision:
    """Isolate a post. With `preserved`, its content is already in the vault, so the isolation is
    the only event (these tests are about delivering one event)."""
    decision: Decision = isolate_post(acme, analyst, post, preserved=preserved)
    return decision


def test_a_desk_decision_reaches_the_platform_and_is_confirmed(
    acme: Organisation, analyst: Person, ref_platform: RefPlatform
) -> None:
    decision = _isolate(acme, analyst, preserved=False)
    assert (decision.ground, decision.clause) == ("terms", "Terms 3.1")
    assert deliver_due() == 2  # the isolation, and the request to preserve (#16 item 1)
    post = ref_platform.state()["posts"]["post:3"]
    assert post["state"] == "hidden" and post["preserved"] == 1
    decision.refresh_from_db()
    assert decision.platform_confirmed_at is not None
    decision.case.refresh_from_db()
    assert decision.case.preserve_requested_at is not None


def test_account_decisions_reach_the_platform(
    acme: Organisation, analyst: Person, ref_platform: RefPlatform
) -> None:
    case = make_case(acme)
    ends = timezone.now() + timedelta(days=3)
    decide_account(analyst, case, DecisionKind.ACCOUNT_SUSPENSION, account_id="u1", ends_at=ends)
    decide_account(analyst, case, DecisionKind.ACCOUNT_WARNING, account_id="u2", clause="Rules 2")
    deliver_due()
    users = ref_platform.state()["users"]
    assert users["u1"]["state"] == "suspended" and users["u1"]["until"]
    assert users["u2"]["warnings"] == 1


@pytest.mark.parametrize("mode", ["error", "bad_reply"])
def test_a_failing_platform_gets_retried_with_backoff(
    acme: Organisation, analyst: Person, ref_platform: RefPlatform, mode: str
) -> None:
    _isolate(acme, analyst)
    ref_platform.mode(mode)
    # One moment for the failure and the look again: the backoff can be as short as 1 s,
    # which a loaded machine may spend between two calls on the wall clock.
    now = timezone.now()
    deliver_due(now=now)
    event = WebhookEvent.objects.get()
    assert event.status == EventStatus.PENDING and event.attempts == 1
    assert event.next_attempt_at > now
    assert deliver_due(now=now) == 0  # not due yet
    ref_platform.mode("ok")
    assert deliver_due(now=event.next_attempt_at + timedelta(seconds=1)) == 1
    event.refresh_from_db()
    assert event.status == EventStatus.DELIVERED and event.attempts == 2


def test_a_slow_platform_times_out_and_is_retried(
    acme: Organisation, analyst: Person, ref_platform: RefPlatform, settings: Any
) -> None:
    settings.KARPEAR_WEBHOOK_TIMEOUT = 1
    _isolate(acme, analyst)
    ref_platform.mode("slow")
    deliver_due()
    event = WebhookEvent.objects.get()
    assert event.status == EventStatus.PENDING and "Timeout" in event.last_error


def test_a_platform_that_is_down_is_retried(
    acme: Organisation, analyst: Person, ref_platform: RefPlatform
) -> None:
    _isolate(acme, analyst)
    ref_platform.stop()
    deliver_due()
    event = WebhookEvent.objects.get()
    assert event.status == EventStatus.PENDING and event.last_status_code is None


def test_a_wrong_secret_is_refused_by_the_platform(
    acme: Organisation, analyst: Person, ref_platform: RefPlatform
) -> None:
    PlatformLink.objects.filter(organisation=acme).update(secret="whsec_" + "A" * 44)
    _isolate(acme, analyst)
    deliver_due()
    event = WebhookEvent.objects.get()
    assert event.last_status_code == 401 and event.status == EventStatus.PENDING
    assert ref_platform.state()["posts"]["post:3"]["state"] == "visible"


def test_after_the_give_up_time_an_event_becomes_a_dead_letter_and_can_be_retried(
    acme: Organisation, analyst: Person, ref_platform: RefPlatform, settings: Any
) -> None:
    settings.KARPEAR_WEBHOOK_GIVE_UP_HOURS = 1
    _isolate(acme, analyst)
    ref_platform.mode("error")
    event = WebhookEvent.objects.get()
    deliver_one(event.pk, now=event.created_at + timedelta(hours=2))
    event.refresh_from_db()
    assert event.status == EventStatus.DEAD
    ref_platform.mode("ok")
    dead_letter_retry(organisation=acme, event_id=event.pk, actor=analyst.member.user)
    assert deliver_due() == 1
    event.refresh_from_db()
    assert event.status == EventStatus.DELIVERED


def test_during_rotation_the_old_secret_still_verifies(
    acme: Organisation, analyst: Person, ref_platform: RefPlatform
) -> None:
    link_rotate_secret(organisation=acme)  # the platform still only knows the old secret
    _isolate(acme, analyst)
    assert deliver_due() == 1
    assert WebhookEvent.objects.get().status == EventStatus.DELIVERED


def test_a_repeated_delivery_is_applied_once_by_the_platform(
    acme: Organisation, analyst: Person, ref_platform: RefPlatform
) -> None:
    _isolate(acme, analyst)
    deliver_due()
    # As if the confirmation had been lost: the same event goes out again.
    WebhookEvent.objects.update(status=EventStatus.PENDING, next_attempt_at=timezone.now())
    deliver_due()
    assert ref_platform.state()["applied"] == 1


def test_two_workers_never_send_one_event_at_the_same_time(
    acme: Organisation, analyst: Person, ref_platform: RefPlatform
) -> None:
    from karpear.platformlink.services import _claim

    _isolate(acme, analyst)
    event = WebhookEvent.objects.get()
    assert _claim(event.pk, timezone.now()) is True
    assert _claim(event.pk, timezone.now()) is False


def test_the_account_holder_is_told_in_plain_words_unless_csam_is_under_investigation(
    acme: Organisation, analyst: Person, ref_platform: RefPlatform
) -> None:
    grooming = make_case(acme, url="https://social.example/p/g", category="grooming")
    decide_account(
        analyst,
        grooming,
        DecisionKind.ACCOUNT_BAN,
        account_id="u7",
        clause="Rules 4: no sexual messages to children",
    )
    csam = make_case(acme, url="https://social.example/p/c", category="sexual_image")
    AuthorityReferral.objects.create(case=csam, authority="acu", referred_at=timezone.now())
    decide_account(
        analyst,
        csam,
        DecisionKind.ACCOUNT_BAN,
        account_id="u8",
        clause="Criminal Code art. 41",
        ground=Ground.LAW,
    )
    deliver_due()
    inbox = ref_platform.state()["inbox"]
    assert [m["user"] for m in inbox] == ["u7"]  # u8's case is with the police: not told
    assert "closed permanently" in inbox[0]["en"] and "Rules 4" in inbox[0]["en"]
    assert "30 days" in inbox[0]["appeal_en"]
    assert inbox[0]["km"]
