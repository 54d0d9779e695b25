"""What account holders write in complaints is personal data (issue #17, item 6): encrypted at
rest like reporters' contacts, erased on a schedule after the review, and rows stored before
this change are encrypted by the migration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from karpear.audit.models import AuditEntry
from karpear.complaints.models import Complaint, ComplaintChannel, ComplaintStatus
from karpear.complaints.services import (
    complaint_decide,
    complaint_reason,
    complaint_submit,
    erase_expired_complaint_reasons,
)
from karpear.orgs.models import Organisation
from tests.cast import Person, sign_in
from tests.complaints.helpers import a_ban

SECRET = "Those messages were to my cousin Sreyleak, 012 777 555"


def _raw_row(complaint_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM complaints_complaint WHERE id = %s", [complaint_id])
        return repr(cursor.fetchone())


def _complaint(acme: Organisation, analyst: Person, account: str = "u7") -> Complaint:
    complaint, _ = complaint_submit(
        organisation=acme,
        decision=a_ban(acme, analyst, account=account),
        channel=ComplaintChannel.PLATFORM,
        reason=SECRET,
    )
    return complaint


def test_the_reason_is_encrypted_at_rest_and_shown_to_the_reviewer(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    complaint = _complaint(acme, analyst)
    # The number as typed and as digits, not "777" alone: the row's timestamps carry
    # microseconds, where "777" turns up by chance about once in a hundred runs.
    raw = _raw_row(complaint.pk)
    assert not any(clear in raw for clear in ("Sreyleak", "012 777 555", "012777555"))
    complaint.refresh_from_db()
    assert complaint_reason(complaint) == SECRET
    page = sign_in(analyst2).get(f"/en/desk/complaints/{complaint.pk}/").content.decode()
    assert "my cousin Sreyleak" in page


def test_the_reason_is_erased_after_the_retention_period_once_decided(
    acme: Organisation, analyst: Person, analyst2: Person, settings: Any
) -> None:
    settings.KARPEAR_COMPLAINT_RETENTION_DAYS = 30
    old, recent, still_open = (_complaint(acme, analyst, f"u{n}") for n in range(3))
    for complaint in (old, recent):
        complaint_decide(
            member=analyst2.member,
            complaint_id=complaint.pk,
            outcome=ComplaintStatus.UPHELD,
            reason="The messages broke rule 4.",
        )
    Complaint.objects.filter(pk__in=[old.pk, still_open.pk]).update(
        reviewed_at=timezone.now() - timedelta(days=31),
        received_at=timezone.now() - timedelta(days=32),
    )
    assert erase_expired_complaint_reasons() == 1
    assert erase_expired_complaint_reasons() == 0  # a second run finds nothing left
    for complaint in (old, recent, still_open):
        complaint.refresh_from_db()
    assert complaint_reason(old) == "" and old.reason_erased_at is not None
    assert old.outcome_reason == "The messages broke rule 4."  # the outcome stays
    assert complaint_reason(recent) == SECRET and complaint_reason(still_open) == SECRET
    assert AuditEntry.objects.filter(action="complaint_reason_erased").count() == 1
    page = sign_in(analyst2).get(f"/en/desk/complaints/{old.pk}/").content.decode()
    assert "Erased on" in page and "Sreyleak" not in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_reasons_stored_in_clear(
    acme: Organisation, analyst: Person
) -> None:
    decision = a_ban(acme, analyst)
    executor = MigrationExecutor(connection)
    before = [("complaints", "0001_complaints")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("complaints", "Complaint")
    now = timezone.now()
    row = old.objects.create(
        organisation_id=acme.pk,
        decision_id=decision.pk,
        reference="C-OLD-00001",
        channel="web",
        reason=SECRET,
        received_at=now,
        due_at=now,
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("complaints"))
    assert "Sreyleak" not in _raw_row(row.pk)
    assert complaint_reason(Complaint.objects.get(pk=row.pk)) == SECRET
