"""Webhook delivery in batches (issue #24, item 5): one claim and one commit per batch, still
at least once, and never out of order for one content item."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from karpear.orgs.models import Organisation
from karpear.platformlink.models import EventStatus, WebhookEvent
from karpear.platformlink.services import _claim_batch, deliver_due, event_enqueue
from tests.platform_fixture import RefPlatform


def _warn(org: Organisation, n: int, case_id: int | None = None) -> WebhookEvent:
    data: dict[str, Any] = {"account_id": f"u{n}"}
    if case_id is not None:
        data["case_id"] = case_id
    return event_enqueue(organisation_id=org.pk, event_type="account.warn", data=data)


def test_a_backlog_is_claimed_and_recorded_per_batch_not_per_event(
    acme: Organisation, ref_platform: RefPlatform, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        _warn(acme, n)
    # claim (1 + transaction), links (1), record (bulk update + transaction), receivers
    # only for decisions: the count does not grow with the batch.
    with django_assert_max_num_queries(8):
        assert deliver_due() == 30
    assert ref_platform.state()["applied"] == 30
    assert not WebhookEvent.objects.exclude(status=EventStatus.DELIVERED).exists()
    assert deliver_due() == 0


def test_two_workers_take_disjoint_batches(acme: Organisation) -> None:
    for n in range(5):
        _warn(acme, n)
    now = timezone.now()
    first = _claim_batch(now, 3)
    second = _claim_batch(now, 100)
    assert len(first) == 3 and len(second) == 2
    assert {e.pk for e in first}.isdisjoint({e.pk for e in second})
    assert _claim_batch(now, 100) == []


def test_a_worker_killed_mid_batch_leaves_its_events_to_go_again(
    acme: Organisation, ref_platform: RefPlatform
) -> None:
    _warn(acme, 1)
    now = timezone.now()
    assert len(_claim_batch(now, 10)) == 1  # ... and the worker dies before posting
    assert deliver_due(now=now) == 0  # still claimed
    later = now + timedelta(seconds=settings.KARPEAR_WEBHOOK_TIMEOUT * 3 + 1)
    assert deliver_due(now=later) == 1
    assert WebhookEvent.objects.get().status == EventStatus.DELIVERED


def test_a_later_event_for_one_content_item_never_overtakes_an_earlier_one(
    acme: Organisation, ref_platform: RefPlatform
) -> None:
    suspend = event_enqueue(
        organisation_id=acme.pk,
        event_type="account.suspend",
        data={"account_id": "u9", "case_id": 7, "ends_at": None},
    )
    restore = event_enqueue(
        organisation_id=acme.pk,
        event_type="account.restore",
        data={"account_id": "u9", "case_id": 7, "reverses": "account_suspension"},
    )
    ref_platform.mode("error")
    # The worker's clock runs a minute ahead, and the next run looks just before the
    # suspension's retry is due: the backoff can be as short as 1 s, which a loaded machine
    # may spend between two runs on the wall clock (case 7's retry then went too).
    first_run = timezone.now() + timedelta(minutes=1)
    assert deliver_due(now=first_run) == 1  # the suspension failed; its restore held back
    restore.refresh_from_db()
    suspend.refresh_from_db()
    assert restore.attempts == 0 and restore.locked_until is None
    ref_platform.mode("ok")
    other = _warn(acme, 2, case_id=8)
    just_before = suspend.next_attempt_at - timedelta(milliseconds=1)
    assert other.next_attempt_at < first_run < just_before
    assert deliver_due(now=just_before) == 1  # case 8's event goes; case 7 waits for its retry
    restore.refresh_from_db()
    other.refresh_from_db()
    assert restore.status == EventStatus.PENDING and other.status == EventStatus.DELIVERED
    suspend.refresh_from_db()
    assert deliver_due(now=suspend.next_attempt_at + timedelta(seconds=1)) == 2
    suspend.refresh_from_db()
    restore.refresh_from_db()
    assert suspend.delivered_at is not None and restore.delivered_at is not None
    assert suspend.delivered_at <= restore.delivered_at
    user = ref_platform.state()["users"]["u9"]
    assert user["state"] == "active"  # suspended, then restored: in that order


def test_a_batch_goes_to_the_platform_on_one_kept_alive_connection(
    acme: Organisation, ref_platform: RefPlatform
) -> None:
    for n in range(20):
        _warn(acme, n)
    before = ref_platform.state()["connections"]
    assert deliver_due() == 20
    after = ref_platform.state()
    assert after["applied"] == 20
    assert after["connections"] - before == 2  # the batch's one, and this state() call


def test_a_connection_the_platform_closed_is_opened_again_and_nothing_is_lost(
    acme: Organisation, ref_platform: RefPlatform
) -> None:
    ref_platform.mode("hangup")  # every answer, then the connection drops without warning
    events = [_warn(acme, n) for n in range(5)]
    assert deliver_due() == 5
    assert ref_platform.state()["applied"] == 5
    for event in events:
        event.refresh_from_db()
        assert (event.status, event.attempts) == (EventStatus.DELIVERED, 1)
