"""What every change to a case shares: access, optimistic locking, reasons, the audit entry.

Each service checks, then writes inside one transaction, bumping the case's version so two
analysts cannot overwrite each other (optimistic locking), and records the change on the case
timeline and in the audit log.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.cases.models import (
    Case,
    Ground,
)
from karpear.core.errors import ApplicationError, NotFound
from karpear.staff.models import StaffMember


class StaleEdit(ApplicationError):
    status = 409
    code = "stale"


class InvalidTransition(ApplicationError):
    status = 409
    code = "invalid_transition"


# ---------------------------------------------------------------- access


def access_case(
    *,
    member: StaffMember,
    case_id: int,
    request: HttpRequest | None = None,
    audit_view: bool = True,
) -> Case:
    """The case if it belongs to the member's organisation; every view is audited.

    Only case roles reach here (views declare them); another organisation's
    case is indistinguishable from a missing one.
    """
    case = Case.objects.filter(pk=case_id, organisation_id=member.organisation_id).first()
    if case is None:
        raise NotFound(_("There is no such case."))
    if audit_view:
        audit_record(
            action="case_view",
            organisation=member.organisation,
            actor=member.user,
            object_type="case",
            object_id=case.pk,
            request=request,
        )
    return case


STALE = _(
    "Someone else changed this case while you were working on it. Your change was not "
    "saved; please look at the case again."
)


def check_version(case: Case, expected_version: int) -> None:
    """Refuse a form or call based on an older version of the case, before anything else."""
    if case.version != expected_version:
        raise StaleEdit(STALE)


def bump(case: Case, expected_version: int, **changes: Any) -> Case:
    """Apply `changes` only if nobody changed the case since `expected_version`."""
    updated = Case.objects.filter(pk=case.pk, version=expected_version).update(
        version=expected_version + 1, **changes
    )
    if updated != 1:
        raise StaleEdit(
            _(
                "Someone else changed this case while you were working on it. "
                "Your change was not saved; please look at the case again."
            )
        )
    case.refresh_from_db()
    return case


def require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            _("Please give a reason."),
            code="reason_required",
            fields={"reason": [str(_("Please give a reason."))]},
        )
    return reason


def require_ground(ground: Ground | None, clause: str) -> tuple[Ground, str]:
    """A content decision names its ground: the law with its article, or the terms with their
    clause (statements of reasons need both; issue #16, item 3)."""
    errors: dict[str, list[str]] = {}
    if ground not in Ground.values:
        errors["ground"] = [
            str(_("Choose the ground: the law (with its article) or your terms (with the clause)."))
        ]
    if not clause.strip():
        errors["clause"] = [str(_("Name the article of the law or the clause of the terms."))]
    if errors or ground is None:
        raise ApplicationError(
            _("Say on what ground the content is isolated or removed."),
            code="ground_required",
            fields=errors,
        )
    return Ground(ground), clause.strip()[:200]


def audit_case(
    member: StaffMember, action: str, case: Case, request: HttpRequest | None, **detail: Any
) -> None:
    audit_record(
        action=action,
        organisation=member.organisation,
        actor=member.user,
        object_type="case",
        object_id=case.pk,
        detail=detail,
        request=request,
    )
