"""Training records and the courses each kind of role needs (issue #21, item 4; checklist item 8).

Required courses follow the guidelines: everyone learns the safeguarding policy (2.2: "all staff
and management"); whoever may encounter CSAM also needs handling and well-being training (2.6 b:
vetting and care of staff who handle CSAM); whoever works with children learns to work with them
safely (2.2). The CNCC's Swipe Safe training (seeds/003) is recorded as `online_safety`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.safeguarding.directory import access_employee
from karpear.safeguarding.models import Course, Employee, TrainingRecord
from karpear.staff.models import StaffMember

EVERYONE = (Course.POLICY,)
MAY_ENCOUNTER_CSAM = (Course.CSAM_HANDLING, Course.WELLBEING)
WORKS_WITH_CHILDREN = (Course.CHILD_CONTACT,)


def required_courses(employee: Employee) -> list[str]:
    """The courses this person must hold, from the kind of role they have."""
    needed = list(EVERYONE)
    if employee.may_encounter_csam:
        needed += MAY_ENCOUNTER_CSAM
    if employee.works_with_children:
        needed += WORKS_WITH_CHILDREN
    return [str(c) for c in needed]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def training_record(
    *,
    actor: StaffMember,
    employee_id: int,
    course: str,
    completed_on: date | None,
    provider: str,
    expires_on: date | None,
    request: HttpRequest | None = None,
) -> TrainingRecord:
    """Record a completed course. Without an expiry date the course is valid for
    KARPEAR_TRAINING_VALID_MONTHS (training is refreshed, not done once). Another
    organisation's employee is missing (404) whatever else is wrong."""
    employee = access_employee(organisation=actor.organisation, employee_id=employee_id)
    provider = provider.strip()
    errors: dict[str, list[str]] = {}
    if course not in Course.values:
        errors["course"] = [str(_("Choose a course."))]
    if not provider or len(provider) > 120:
        errors["provider"] = [str(_("Name the provider (at most 120 characters)."))]
    if completed_on is None:
        errors["completed_on"] = [str(_("Give the date the course was completed."))]
    elif completed_on > timezone.localdate():
        errors["completed_on"] = [str(_("The course cannot end in the future."))]
    elif expires_on is not None and expires_on <= completed_on:
        errors["expires_on"] = [str(_("The expiry must come after the course."))]
    if errors or completed_on is None:
        raise ApplicationError(_("The training was not recorded."), fields=errors)
    with transaction.atomic():
        record = TrainingRecord.objects.create(
            employee=employee,
            course=course,
            completed_on=completed_on,
            provider=provider,
            expires_on=expires_on
            or add_months(completed_on, settings.KARPEAR_TRAINING_VALID_MONTHS),
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        audit_record(
            action="training_record",
            organisation=actor.organisation,
            actor=actor.user,
            object_type="employee",
            object_id=employee.pk,
            detail={"course": course, "completed_on": completed_on.isoformat()},
            request=request,
        )
    return record


@dataclass(frozen=True)
class Standing:
    employee: Employee
    required: list[str]
    current: list[str]
    overdue: list[str]  # required and missing or expired


def training_standing(organisation: Organisation, *, today: date | None = None) -> list[Standing]:
    """Each current employee's required courses and which are overdue (two queries)."""
    today = today or timezone.localdate()
    employees = list(
        Employee.objects.filter(
            organisation=organisation, left_on__isnull=True, erased_at__isnull=True
        ).order_by("department", "pk")
    )
    valid: dict[int, set[str]] = {}
    for employee_id, course in TrainingRecord.objects.filter(
        employee__in=employees, expires_on__gte=today
    ).values_list("employee_id", "course"):
        valid.setdefault(employee_id, set()).add(course)
    rows = []
    for employee in employees:
        needed = required_courses(employee)
        have = valid.get(employee.pk, set())
        rows.append(
            Standing(
                employee=employee,
                required=needed,
                current=sorted(have),
                overdue=[c for c in needed if c not in have],
            )
        )
    return rows


def training_figures(organisation: Organisation) -> dict[str, int]:
    """Counts for checklist item 8 and the personnel screening figure (item 24)."""
    return figures_of(training_standing(organisation))


def figures_of(standing: list[Standing]) -> dict[str, int]:
    """training_figures for a standing already read (the desk's page shows both)."""
    csam = [s for s in standing if s.employee.may_encounter_csam]
    return {
        "staff_listed": len(standing),
        "training_current": sum(1 for s in standing if not s.overdue),
        "training_overdue": sum(1 for s in standing if s.overdue),
        "csam_staff": len(csam),
        "csam_staff_trained": sum(1 for s in csam if not s.overdue),
    }


def expiring_soon(organisation: Organisation, *, days: int = 30) -> int:
    today = timezone.localdate()
    return TrainingRecord.objects.filter(
        employee__organisation=organisation,
        employee__left_on__isnull=True,
        expires_on__gte=today,
        expires_on__lt=today + timedelta(days=days),
    ).count()
