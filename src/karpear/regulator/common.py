"""What the regulator's services share: the role checks and the registry lookups."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.core.errors import ApplicationError, NotFound
from karpear.orgs.models import Organisation
from karpear.regulator.models import CompanyKey, RegisteredCompany
from karpear.staff.models import REGULATOR_ROLES, Role, StaffMember

READERS = REGULATOR_ROLES
# Reviewers and heads of unit read submissions and ask companies; the registry and its keys
# belong to heads of unit and administrators.
REVIEWERS = frozenset({Role.REVIEWER, Role.HEAD})
KEEPERS = frozenset({Role.HEAD, Role.REGULATOR_ADMIN})


def require(member: StaffMember, roles: frozenset[Role]) -> Organisation:
    """The member's regulator organisation, if their role is one of `roles`."""
    if not member.organisation.is_regulator or member.role not in roles:
        raise ApplicationError(_("Your role does not allow this."), code="forbidden", status=403)
    return member.organisation


def access_company(*, regulator: Organisation, company_id: int) -> RegisteredCompany:
    """A company of this regulator's registry; any other is simply not found."""
    found = RegisteredCompany.objects.filter(regulator=regulator, pk=company_id).first()
    if found is None:
        raise NotFound(_("There is no such company in the registry."))
    return found


def access_key(*, regulator: Organisation, key_id: int) -> CompanyKey:
    """A package key of a company in this regulator's registry; any other is not found."""
    found = CompanyKey.objects.filter(company__regulator=regulator, pk=key_id).first()
    if found is None:
        raise NotFound(_("There is no such key."))
    return found


def audit(
    *,
    regulator: Organisation,
    action: str,
    actor: Any = None,
    actor_label: str = "",
    object_type: str,
    object_id: int | str,
    detail: dict[str, Any],
    request: HttpRequest | None = None,
) -> None:
    audit_record(
        action=action,
        organisation=regulator,
        actor=actor,
        actor_label=actor_label if actor is None else "",
        object_type=object_type,
        object_id=object_id,
        detail=detail,
        request=request,
    )
