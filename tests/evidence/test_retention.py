"""Retention, legal holds and destruction with certificates (2.6 a and c; item 30)."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from karpear.core.errors import ApplicationError
from karpear.evidence.models import DestructionCertificate, EvidenceItem
from karpear.evidence.services import (
    hold_place,
    hold_release,
    purge_expired,
    purge_resume,
    read_plain,
)
from tests.cast import Person


def _after_retention(item: EvidenceItem) -> datetime:
    return item.retention_until + timedelta(seconds=1)


def test_nothing_goes_before_its_date(item: EvidenceItem) -> None:
    assert purge_expired(now=item.retention_until - timedelta(days=1)).destroyed == []


def test_the_dry_run_only_lists(item: EvidenceItem) -> None:
    assert purge_expired(now=_after_retention(item), dry_run=True).destroyed == [item.pk]
    item.refresh_from_db()
    assert item.destroyed_at is None and read_plain(item)


def test_expired_items_are_crypto_erased_deleted_and_certified(item: EvidenceItem) -> None:
    path = Path(settings.DATA_DIR) / "vault" / item.object_key
    result = purge_expired(now=_after_retention(item))
    assert result.destroyed == [item.pk]
    item.refresh_from_db()
    assert item.wrapped_key == "" and item.destroyed_at is not None and not path.exists()
    cert = DestructionCertificate.objects.get(item=item)
    assert cert.sha256 == item.sha256 and cert.run_id == result.run_id
    assert cert.key_erased_at <= cert.bytes_deleted_at
    assert cert.policy["days"] == 180
    assert purge_expired(now=_after_retention(item)).destroyed == []  # idempotent
    out = StringIO()
    call_command("evidence", "certificates", stdout=out)
    assert item.sha256 in out.getvalue()


def test_a_legal_hold_keeps_an_item_until_released(
    item: EvidenceItem, lead: Person, analyst: Person
) -> None:
    with pytest.raises(ApplicationError):
        hold_place(item=item, member=analyst.member, requester="ACU", reason="trial")
    hold = hold_place(
        item=item, member=lead.member, requester="ACU officer Sok", reason="trial in March"
    )
    assert purge_expired(now=_after_retention(item)).destroyed == []
    hold_release(hold=hold, member=lead.member, reason="trial over")
    assert purge_expired(now=_after_retention(item)).destroyed == [item.pk]


def test_a_destruction_killed_half_way_is_finished_and_never_readable(
    item: EvidenceItem,
) -> None:
    # The run died right after the key was erased: the item is unreadable already.
    EvidenceItem.objects.filter(pk=item.pk).update(wrapped_key="", kek_id="")
    item.refresh_from_db()
    with pytest.raises(ApplicationError):
        read_plain(item)
    assert purge_resume() == 1
    item.refresh_from_db()
    assert item.destroyed_at is not None
    assert DestructionCertificate.objects.filter(item=item).count() == 1
    assert purge_resume() == 0


def test_the_command_is_a_dry_run_when_asked(item: EvidenceItem) -> None:
    EvidenceItem.objects.filter(pk=item.pk).update(
        retention_until=item.captured_at - timedelta(days=1)
    )
    out = StringIO()
    call_command("evidence", "purge-expired", "--dry-run", stdout=out)
    assert f"would destroy 1 items: [{item.pk}]" in out.getvalue()
    call_command("evidence", "purge-expired", stdout=out)
    assert EvidenceItem.objects.get(pk=item.pk).destroyed_at is not None


def test_the_lead_places_and_releases_a_hold_on_the_desk(item: EvidenceItem, lead: Person) -> None:
    from karpear.evidence.models import LegalHold
    from tests.cast import sign_in
    from tests.evidence.conftest import screen

    screen(lead)
    desk = sign_in(lead)
    desk.post(f"/en/desk/evidence/{item.pk}/hold/", {"requester": "ACU", "reason": "trial"})
    hold = LegalHold.objects.get(item=item)
    assert purge_expired(now=_after_retention(item)).destroyed == []
    desk.post(f"/en/desk/evidence/{item.pk}/hold/", {"release": hold.pk, "reason": "done"})
    assert purge_expired(now=_after_retention(item)).destroyed == [item.pk]
    page = sign_in(lead).get("/en/desk/certificates/").content.decode()
    assert f"#{item.pk}" in page
