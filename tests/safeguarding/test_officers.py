"""The designated safeguarding officer and deputy (guidelines 2.2; checklist item 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.safeguarding.models import Appointment
from karpear.safeguarding.officers import appoint, current_appointments
from tests.cast import Person, sign_in
from tests.safeguarding.helpers import appoint_officer


def test_an_administrator_appoints_the_officer_and_a_new_appointment_ends_the_old(
    acme: Organisation, admin: Person, lead: Person, compliance: Person
) -> None:
    appoint_officer(admin, lead)
    appoint_officer(admin, compliance)
    current = current_appointments(acme)
    assert current["officer"].member == compliance.member
    assert Appointment.objects.filter(member=lead.member, ended_on__isnull=False).count() == 1
    page = sign_in(lead).get("/en/desk/safeguarding/officers/").content.decode()
    assert "chenda" in page and "reports to the board" in page and 'id="no-deputy"' in page


def test_nobody_appoints_themselves_or_holds_both_positions(
    acme: Organisation, admin: Person, lead: Person
) -> None:
    with pytest.raises(ApplicationError) as own:
        appoint_officer(admin, admin)
    assert own.value.code == "own_appointment"
    appoint_officer(admin, lead)
    with pytest.raises(ApplicationError) as both:
        appoint_officer(admin, lead, position="deputy")
    assert both.value.code == "same_person"


@pytest.mark.parametrize(
    ("mandate", "days_ahead"), [("", 0), ("x" * 4001, 0), ("Handles concerns", 3)]
)
def test_a_mandate_and_a_past_date_are_required(
    acme: Organisation, admin: Person, lead: Person, mandate: str, days_ahead: int
) -> None:
    with pytest.raises(ApplicationError):
        appoint(
            actor=admin.member,
            position="officer",
            member_id=lead.member.pk,
            appointed_on=timezone.localdate() + timedelta(days=days_ahead),
            mandate=mandate,
        )
    assert not Appointment.objects.exists()


def test_other_roles_cannot_appoint_and_other_organisations_staff_cannot_be_appointed(
    acme: Organisation, admin: Person, lead: Person, outsider: Person
) -> None:
    response = sign_in(lead).post(
        "/en/desk/safeguarding/officers/",
        {"position": "officer", "member": lead.member.pk, "mandate": "m"},
    )
    assert response.status_code == 403
    with pytest.raises(ApplicationError) as elsewhere:
        appoint_officer(admin, outsider)
    assert elsewhere.value.status == 404
