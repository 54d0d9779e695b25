"""The designated safeguarding officer and deputy (guidelines 2.2; checklist item 3).

They are the only people who read concerns (karpear.concerns), so the appointment is a desk
account, made by an administrator who is not the person appointed (no one alone).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.core.errors import ApplicationError, NotFound
from karpear.orgs.models import Organisation
from karpear.safeguarding.models import Appointment, Position
from karpear.staff.models import Role, StaffMember

MANDATE_MAX = 4000
APPOINTERS = (Role.ADMIN,)


def current_appointments(organisation: Organisation) -> dict[str, Appointment]:
    """{position: appointment} for the positions filled now."""
    return {
        a.position: a
        for a in Appointment.objects.filter(
            organisation=organisation, ended_on__isnull=True
        ).select_related("member__user")
    }


def officer_positions(member: StaffMember) -> set[str]:
    """The positions this desk account holds now (empty for everyone else)."""
    return set(
        Appointment.objects.filter(
            organisation_id=member.organisation_id, member=member, ended_on__isnull=True
        ).values_list("position", flat=True)
    )


def appoint(
    *,
    actor: StaffMember,
    position: str,
    member_id: int,
    appointed_on: date,
    mandate: str,
    request: HttpRequest | None = None,
) -> Appointment:
    """Appoint the officer or deputy, ending the previous holder's appointment.

    The same person cannot hold both positions: a concern about the officer goes to the deputy
    only, which means nothing if they are one person.
    """
    if actor.role not in APPOINTERS:
        raise ApplicationError(_("Only an administrator appoints."), code="forbidden", status=403)
    if position not in Position.values:
        raise ApplicationError(_("There is no such position."))
    mandate = mandate.strip()
    if not mandate or len(mandate) > MANDATE_MAX:
        raise ApplicationError(
            _("Write the mandate (at most 4,000 characters)."),
            fields={"mandate": [str(_("Write the mandate (at most 4,000 characters)."))]},
        )
    if appointed_on > timezone.localdate():
        raise ApplicationError(_("The appointment date cannot be in the future."))
    member = StaffMember.objects.filter(
        pk=member_id, organisation=actor.organisation, user__is_active=True
    ).first()
    if member is None:
        raise NotFound(_("There is no such staff member."))
    if member.pk == actor.pk:
        audit_record(
            action="safeguarding_appoint_own_refused",
            organisation=actor.organisation,
            actor=actor.user,
            object_type="staff",
            object_id=member.pk,
            request=request,
        )
        raise ApplicationError(
            _("Nobody appoints themselves; ask another administrator."),
            code="own_appointment",
            status=403,
        )
    with transaction.atomic():
        current = list(
            Appointment.objects.select_for_update().filter(
                organisation=actor.organisation, ended_on__isnull=True
            )
        )
        other = [a for a in current if a.position != position and a.member_id == member.pk]
        if other:
            raise ApplicationError(
                _("The officer and the deputy must be two different people."),
                code="same_person",
                status=409,
            )
        today = timezone.localdate()
        for previous in current:
            if previous.position == position:
                previous.ended_on = today
                previous.save(update_fields=["ended_on"])
        appointment = Appointment.objects.create(
            organisation=actor.organisation,
            position=position,
            member=member,
            appointed_on=appointed_on,
            mandate=mandate.replace("\r\n", "\n"),
            appointed_by=actor,
        )
        audit_record(
            action="safeguarding_appoint",
            organisation=actor.organisation,
            actor=actor.user,
            object_type="staff",
            object_id=member.pk,
            detail={"position": position, "appointed_on": appointed_on.isoformat()},
            request=request,
        )
    return appointment
