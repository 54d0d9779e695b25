"""Training records and the courses each kind of role needs (issue #21, item 4)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.safeguarding.directory import email_digest
from karpear.safeguarding.models import Employee
from karpear.safeguarding.training import training_figures, training_record, training_standing
from tests.cast import Person, sign_in
from tests.safeguarding.helpers import import_staff


def _employee(n: int) -> Employee:
    return Employee.objects.get(email_digest=email_digest(f"person{n:02d}@acme.example"))


def test_people_who_may_encounter_csam_need_handling_and_wellbeing_training(
    acme: Organisation, compliance: Person
) -> None:
    import_staff(acme, 2)  # person 00 may encounter CSAM and works with children
    csam, office = _employee(0), _employee(1)
    today = timezone.localdate()
    for course in ("policy", "csam_handling"):
        training_record(
            actor=compliance.member,
            employee_id=csam.pk,
            course=course,
            completed_on=today,
            provider="CNCC",
            expires_on=None,
        )
    training_record(
        actor=compliance.member,
        employee_id=office.pk,
        course="policy",
        completed_on=today - timedelta(days=800),
        provider="In house",
        expires_on=today - timedelta(days=1),
    )
    standing = {s.employee.pk: s for s in training_standing(acme)}
    assert standing[csam.pk].overdue == ["wellbeing", "child_contact"]
    assert standing[office.pk].overdue == ["policy"]  # expired yesterday
    assert training_figures(acme)["training_overdue"] == 2
    page = sign_in(compliance).get("/en/desk/safeguarding/training/").content.decode()
    assert "Well-being and resilience" in page and "Person 01" in page


@pytest.mark.parametrize(
    "case",
    [
        ("karate", date(2026, 1, 1), "CNCC", None, "course"),
        ("policy", date(2099, 1, 1), "CNCC", None, "completed_on"),
        ("policy", date(2026, 1, 1), "", None, "provider"),
        ("policy", date(2026, 1, 1), "CNCC", date(2025, 1, 1), "expires_on"),
    ],
)
def test_bad_training_records_are_refused(
    acme: Organisation, compliance: Person, case: tuple[str, date, str, date | None, str]
) -> None:
    course, completed_on, provider, expires_on, field = case
    import_staff(acme, 1)
    with pytest.raises(ApplicationError) as refused:
        training_record(
            actor=compliance.member,
            employee_id=_employee(0).pk,
            course=course,
            completed_on=completed_on,
            provider=provider,
            expires_on=expires_on,
        )
    assert field in refused.value.fields


def test_training_for_another_organisations_employee_is_refused(
    acme: Organisation, bayon: Organisation, compliance: Person
) -> None:
    import_staff(bayon, 1)
    other = Employee.objects.get(organisation=bayon)
    response = sign_in(compliance).post(
        f"/en/desk/safeguarding/staff/{other.pk}/training/",
        {"course": "policy", "completed_on": "2026-01-01", "provider": "x"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("page", ["staff", "training"])
def test_the_staff_pages_cost_the_same_queries_for_two_or_twenty_people(
    acme: Organisation, compliance: Person, django_assert_max_num_queries: Any, page: str
) -> None:
    """The employees and their valid courses are read once each, whatever the head count (the
    training page's figures are counted from the same read as its list)."""
    url = f"/en/desk/safeguarding/{page}/"
    import_staff(acme, 2)
    desk = sign_in(compliance)
    desk.get(url)  # warm the session
    # 13: the signed-in desk's own (10) and three reads: employees, their valid courses, and
    # the leavers or the courses expiring soon. Reading the standing twice made it 15.
    with django_assert_max_num_queries(13) as two:
        desk.get(url)
    import_staff(acme, 20)
    with django_assert_max_num_queries(len(two.captured_queries)):
        response = desk.get(url)
    assert response.status_code == 200
