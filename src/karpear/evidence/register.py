"""The personnel register (2.6 b; checklist item 24)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.core.errors import ApplicationError, NotFound
from karpear.evidence.models import PersonnelRecord, Screening, ViewerPreference
from karpear.staff.models import StaffMember


def personnel_record_set(
    *,
    staff: StaffMember,
    actor: StaffMember,
    values: dict[str, date | None],
    result: str,
    viewer_default: str = "",
    request: HttpRequest | None = None,
) -> PersonnelRecord:
    """Record someone's screening, training and support on the register (2.6 b).

    Nobody changes their own entry (PRODUCT "no one alone": nobody clears their own
    screening), nor clears someone whose account they added; the audit entry carries the
    fields before and after.
    """
    if staff.organisation_id != actor.organisation_id:
        raise NotFound(_("There is no such staff member."))
    if staff.pk == actor.pk:
        audit_record(
            action="personnel_own_refused",
            organisation=actor.organisation,
            actor=actor.user,
            object_type="staff",
            object_id=staff.pk,
            request=request,
        )
        raise ApplicationError(
            _("Nobody changes their own entry on the personnel register; ask a colleague."),
            code="own_entry",
            status=403,
        )
    if result == Screening.CLEAR:
        _require_independent(staff=staff, actor=actor)
    with transaction.atomic():
        return _record_set(
            staff=staff,
            actor=actor,
            values=values,
            result=result,
            viewer_default=viewer_default,
            request=request,
        )


def _added_by(member: StaffMember) -> list[int]:
    """Who added this account, who added them, and so on (desk additions only)."""
    chain: list[int] = []
    creator = member.created_by_id
    while creator is not None and creator not in chain and len(chain) < 50:
        chain.append(creator)
        creator = (
            StaffMember.objects.filter(pk=creator).values_list("created_by", flat=True).first()
        )
    return chain


def _require_independent(*, staff: StaffMember, actor: StaffMember) -> None:
    """A clear screening is recorded by someone the target's adders do not control.

    Whoever added an account knew its first password, and so (until its owner enrolled) may
    hold it, and any account added in turn from it. So nobody in the chain of adders clears
    the account; and an account added by the same administrator (a possible second account
    of theirs) clears it only if its own screening is clear, which someone outside that
    administrator's reach recorded (issue #15 item 2, attack review).
    """
    from karpear.evidence.services import personnel_cleared

    adders = _added_by(staff)
    if actor.pk in adders:
        raise ApplicationError(
            _("You added this person, so someone else records their screening as clear."),
            code="own_account_created",
            status=403,
        )
    if set(adders) & set(_added_by(actor)) and not personnel_cleared(actor):
        raise ApplicationError(
            _(
                "You were added by the same administrator as this person, so only someone "
                "whose own screening is clear records theirs as clear."
            ),
            code="same_adder",
            status=403,
        )


def _record_set(
    *,
    staff: StaffMember,
    actor: StaffMember,
    values: dict[str, date | None],
    result: str,
    viewer_default: str,
    request: HttpRequest | None,
) -> PersonnelRecord:
    record, _created = PersonnelRecord.objects.select_for_update().get_or_create(staff=staff)
    before = _snapshot(record)
    for name, value in values.items():
        if name in DATE_FIELDS:
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
        detail={"staff": staff.user.get_username(), "before": before, "after": _snapshot(record)},
        request=request,
    )
    return record


DATE_FIELDS = ("screened_on", "screening_expires_on", "trained_on", "wellness_support_offered_on")


def _snapshot(record: PersonnelRecord) -> dict[str, str]:
    """The register fields as text, for the audit's before/after."""
    fields = (*DATE_FIELDS, "screening_result", "verified_by", "viewer_default")
    return {name: str(getattr(record, name) or "") for name in fields}


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
