"""The personnel register (2.6 b; checklist item 24)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from karpear.audit.services import audit_record
from karpear.evidence.models import PersonnelRecord, Screening, ViewerPreference
from karpear.staff.models import StaffMember


@transaction.atomic
def personnel_record_set(
    *,
    staff: StaffMember,
    actor: StaffMember,
    values: dict[str, date | None],
    result: str,
    viewer_default: str = "",
    request: HttpRequest | None = None,
) -> PersonnelRecord:
    record, _created = PersonnelRecord.objects.get_or_create(staff=staff)
    for name, value in values.items():
        setattr(record, name, value)
    record.screening_result = result if result in Screening.values else ""
    if viewer_default in ViewerPreference.values:
        record.viewer_default = viewer_default
    record.verified_by = actor.user.get_username()
    record.save()
    audit_record(
        action="personnel_update",
        organisation=staff.organisation,
        actor=actor.user,
        object_type="staff",
        object_id=staff.pk,
        detail={"result": record.screening_result, "expires": record.screening_expires_on},
        request=request,
    )
    return record


def register_statistics(organisation_id: int) -> dict[str, int]:
    """Counts for the compliance checklist (item 24)."""
    today = timezone.localdate()
    records = PersonnelRecord.objects.filter(staff__organisation_id=organisation_id)
    return {
        "listed": records.count(),
        "screened_valid": records.filter(
            screening_result=Screening.CLEAR, screening_expires_on__gte=today
        ).count(),
        "expired_or_missing": records.exclude(
            screening_result=Screening.CLEAR, screening_expires_on__gte=today
        ).count(),
        "wellness_offered": records.exclude(wellness_support_offered_on=None).count(),
    }
