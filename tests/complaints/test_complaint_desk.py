"""The desk's complaint queue and review page (issue #17, item 6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from karpear.audit.models import AuditEntry
from karpear.complaints.models import Complaint, ComplaintStatus
from karpear.orgs.models import Organisation
from karpear.platformlink.models import WebhookEvent
from tests.cast import Person, sign_in
from tests.complaints.helpers import a_complaint
from tests.conftest import BAYON_HOST


def test_the_queue_shows_the_review_time_and_what_is_overdue(
    acme: Organisation, analyst: Person, analyst2: Person, django_assert_max_num_queries: Any
) -> None:
    late = a_complaint(acme, analyst, account="u1")
    a_complaint(acme, analyst, account="u2")
    Complaint.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    client = sign_in(analyst2)
    with django_assert_max_num_queries(15):
        page = client.get("/en/desk/complaints/").content.decode()
    assert "within 72 hours" in page
    assert "1 complaint is past its review time." in page
    assert page.count("<strong>overdue</strong>") == 1 and late.reference in page


def test_a_second_analyst_reverses_on_the_desk_and_the_view_is_audited(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    complaint = a_complaint(acme, analyst)
    client = sign_in(analyst2)
    page = client.get(f"/en/desk/complaints/{complaint.pk}/")
    assert page.status_code == 200 and "Record the outcome" in page.content.decode()
    assert AuditEntry.objects.filter(action="complaint_view", object_id=str(complaint.pk)).exists()
    response = client.post(
        f"/en/desk/complaints/{complaint.pk}/",
        {"outcome": "reversed", "reason": "Not the account holder's messages."},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.REVERSED
    assert WebhookEvent.objects.filter(event_type="account.restore").count() == 1
    case_page = client.get(f"/en/desk/cases/{complaint.decision.case_id}/").content.decode()
    assert "“Permanent account suspension” reversed after a complaint." in case_page


def test_the_decider_gets_no_form_and_cannot_post_one(acme: Organisation, analyst: Person) -> None:
    complaint = a_complaint(acme, analyst)
    client = sign_in(analyst)
    page = client.get(f"/en/desk/complaints/{complaint.pk}/").content.decode()
    assert "Record the outcome" not in page and "someone else must review" in page
    refused = client.post(
        f"/en/desk/complaints/{complaint.pk}/", {"outcome": "reversed", "reason": "mine"}
    )
    assert refused.status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED


def test_another_organisation_gets_404_and_changes_nothing(
    acme: Organisation, analyst: Person, outsider: Person
) -> None:
    complaint = a_complaint(acme, analyst)
    client = sign_in(outsider, host=BAYON_HOST)
    assert client.get(f"/en/desk/complaints/{complaint.pk}/").status_code == 404
    posted = client.post(
        f"/en/desk/complaints/{complaint.pk}/", {"outcome": "reversed", "reason": "x"}
    )
    assert posted.status_code == 404
    assert complaint.reference not in client.get("/en/desk/complaints/").content.decode()
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED


def test_the_queue_uses_a_fixed_number_of_queries_however_many_complaints(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a_complaint(acme, analyst, account="u1")
    client = sign_in(analyst2)
    client.get("/en/desk/complaints/")  # warm the per-process host cache (orgs)
    with CaptureQueriesContext(connection) as few:
        client.get("/en/desk/complaints/")
    for n in range(2, 6):
        a_complaint(acme, analyst, account=f"u{n}")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/en/desk/complaints/").content.decode()
    assert len(many) == len(few)
    assert page.count("Permanent account suspension") == 5
