"""Repeated complaints and two reviewers at the same moment, on a server database (issue #17,
item 9): one complaint, one outcome, one event to the platform."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from karpear.complaints.models import Complaint, ComplaintChannel, ComplaintStatus
from karpear.complaints.services import complaint_decide, complaint_submit
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.platformlink.models import WebhookEvent
from tests.cast import Person
from tests.complaints.helpers import a_ban, a_complaint

pytestmark = pytest.mark.django_db(transaction=True)


def _together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs in threads released at once; their results or exceptions."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = []
    lock = threading.Lock()

    def run(job: Callable[[], Any]) -> None:
        try:
            start.wait()
            try:
                outcome = job()
            except ApplicationError as exc:
                outcome = exc
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture(autouse=True)
def _server_database() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("needs a server database: SQLite serialises writers before the race")


def test_simultaneous_repeats_make_one_complaint(acme: Organisation, analyst: Person) -> None:
    ban = a_ban(acme, analyst)

    def submit() -> tuple[str, bool]:
        complaint, created = complaint_submit(
            organisation=acme, decision=ban, channel=ComplaintChannel.PLATFORM, reason="x"
        )
        return complaint.reference, created

    results = _together([submit] * 4)
    assert Complaint.objects.count() == 1
    assert len({reference for reference, _created in results}) == 1
    assert [created for _ref, created in results].count(True) == 1


def test_two_reviewers_at_once_decide_it_once(
    acme: Organisation, analyst: Person, analyst2: Person, lead: Person
) -> None:
    complaint = a_complaint(acme, analyst)

    def decide(person: Person) -> Callable[[], Any]:
        return lambda: complaint_decide(
            member=person.member,
            complaint_id=complaint.pk,
            outcome=ComplaintStatus.REVERSED,
            reason="looked again",
        )

    results = _together([decide(analyst2), decide(lead)])
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refused) == 1 and refused[0].code == "decided"
    assert WebhookEvent.objects.filter(event_type="account.restore").count() == 1
