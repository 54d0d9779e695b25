"""The background worker runs its jobs and survives being killed mid-way."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from karpear.cases.models import Case, State
from karpear.orgs.models import Organisation
from karpear.reports.models import Report
from tests.cast import make_case


def test_one_round_erases_contacts_of_long_closed_cases(acme: Organisation, settings: Any) -> None:
    settings.KARPEAR_CONTACT_RETENTION_DAYS = 90
    old = make_case(acme, url="https://old.example/1", contact=True)
    recent = make_case(acme, url="https://new.example/1", contact=True)
    Case.objects.filter(pk=old.pk).update(
        state=State.CLOSED, closed_at=timezone.now() - timedelta(days=91)
    )
    Case.objects.filter(pk=recent.pk).update(
        state=State.CLOSED, closed_at=timezone.now() - timedelta(days=5)
    )
    call_command("worker", "--once")
    old_report = Report.objects.get(id=old.case_reports.get().report_id)
    new_report = Report.objects.get(id=recent.case_reports.get().report_id)
    assert old_report.contact_encrypted == ""
    assert new_report.contact_encrypted != ""


def test_a_round_interrupted_half_way_is_finished_by_the_next(
    acme: Organisation, settings: Any
) -> None:
    settings.KARPEAR_CONTACT_RETENTION_DAYS = 1
    cases = [make_case(acme, url=f"https://c.example/{i}", contact=True) for i in range(3)]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(
        state=State.CLOSED, closed_at=timezone.now() - timedelta(days=2)
    )
    # Simulate a crash after the first case: its reports erased, the mark not yet set.
    Report.objects.filter(id=cases[0].case_reports.get().report_id).update(contact_encrypted="")
    call_command("worker", "--once")
    assert not Report.objects.exclude(contact_encrypted="").exists()
    assert Case.objects.filter(contacts_erased_at__isnull=True).count() == 0
