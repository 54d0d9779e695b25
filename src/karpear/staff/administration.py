"""Administration of an organisation's staff, on the desk, by its administrator.

Guidelines 2.6 b (screened personnel) and PRODUCT "no one alone": nobody changes their
own role, resets their own authenticator or deactivates themselves; every change is
audited with the value before and after. A desk administrator is never a Django
superuser: deployment-wide superusers are granted only by `karpear superuser` on the
command line (`superuser_set`).
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from karpear.audit.services import audit_record
from karpear.core.errors import ApplicationError, NotFound
from karpear.staff.models import Role, StaffMember, roles_for
from karpear.staff.throttle import account_release

ADMINISTRATORS = frozenset({Role.ADMIN})


def _require_admin(actor: StaffMember) -> None:
    if actor.role not in ADMINISTRATORS:
        raise ApplicationError(
            _("Only an administrator of the organisation manages staff."),
            code="forbidden",
            status=403,
        )


def _clean(value: str, limit: int) -> str:
    value = value.strip()
    if any(ord(ch) < 32 for ch in value):
        raise ApplicationError(
            _("The text contains characters that are not allowed."), code="bad_characters"
        )
    return value[:limit]


def access_staff_member(*, actor: StaffMember, staff_id: int | None) -> StaffMember:
    """Someone of the actor's own organisation; anyone else is indistinguishable from missing."""
    member = (
        StaffMember.objects.select_related("user", "organisation")
        .filter(pk=staff_id or 0, organisation_id=actor.organisation_id)
        .first()
    )
    if member is None:
        raise NotFound(_("There is no such staff member."))
    return member


def _not_yourself(actor: StaffMember, target: StaffMember, action: str) -> None:
    if actor.pk == target.pk:
        audit_record(
            action="staff_own_refused",
            organisation=actor.organisation,
            actor=actor.user,
            object_type="staff",
            object_id=target.pk,
            detail={"change": action},
        )
        raise ApplicationError(
            _("Nobody changes their own account this way; ask another administrator."),
            code="own_account",
            status=403,
        )


def _audit(
    actor: StaffMember,
    target: StaffMember,
    action: str,
    request: HttpRequest | None,
    **detail: object,
) -> None:
    audit_record(
        action=action,
        organisation=actor.organisation,
        actor=actor.user,
        object_type="staff",
        object_id=target.pk,
        detail={"staff": target.user.get_username(), **detail},
        request=request,
    )


def staff_add(
    *,
    actor: StaffMember,
    username: str,
    role: str,
    email: str = "",
    request: HttpRequest | None = None,
) -> tuple[StaffMember, str]:
    """Create a staff member of the actor's organisation; returns them with a first password,
    shown once to the administrator. They enrol an authenticator at their first sign-in."""
    from karpear.staff.services import staff_create

    _require_admin(actor)
    username, email = _clean(username, 150), _clean(email, 254)
    if not username or role not in Role.values:
        raise ApplicationError(_("Give a username and a role."))
    if get_user_model().objects.filter(username=username).exists():
        raise ApplicationError(_("That username is taken."), code="taken", status=409)
    password = secrets.token_urlsafe(15)
    with transaction.atomic():
        member = staff_create(
            organisation=actor.organisation,
            username=username,
            password=password,
            role=Role(role),
            email=email,
        )
        member.created_by = actor
        member.save(update_fields=["created_by"])
        _audit(actor, member, "staff_add", request, role=role)
    return member, password


def _require_admin_over(actor: StaffMember, target: StaffMember, action: str) -> None:
    """An administrator, changing someone else of their own organisation."""
    _require_admin(actor)
    if target.organisation_id != actor.organisation_id:
        raise NotFound(_("There is no such staff member."))
    _not_yourself(actor, target, action)


def staff_role_set(
    *, actor: StaffMember, target: StaffMember, role: str, request: HttpRequest | None = None
) -> StaffMember:
    """Change someone else's role (never one's own: no one raises their own role)."""
    _require_admin(actor)
    if role not in roles_for(target.organisation):
        raise ApplicationError(_("Choose a role."))
    if target.organisation_id != actor.organisation_id:
        raise NotFound(_("There is no such staff member."))
    _not_yourself(actor, target, "role")
    with transaction.atomic():
        target = StaffMember.objects.select_for_update().select_related("user").get(pk=target.pk)
        before = target.role
        if before != role:
            target.role = role
            target.save(update_fields=["role"])
            _audit(actor, target, "staff_role", request, before=before, after=role)
    return target


def staff_totp_reset(
    *, actor: StaffMember, target: StaffMember, request: HttpRequest | None = None
) -> None:
    """Remove someone's authenticator and end their sessions; they enrol a new one at their
    next sign-in (with their password). The seed itself is never shown here."""
    _require_admin_over(actor, target, "totp")
    with transaction.atomic():
        removed, _detail = TOTPDevice.objects.filter(user=target.user).delete()
        StaffMember.objects.filter(pk=target.pk).update(session_epoch=F("session_epoch") + 1)
        _audit(actor, target, "staff_totp_reset", request, devices=removed)


def staff_unlock(
    *, actor: StaffMember, target: StaffMember, request: HttpRequest | None = None
) -> None:
    """End a sign-in lockout early (the lockout message says to ask an administrator)."""
    _require_admin_over(actor, target, "unlock")
    with transaction.atomic():
        StaffMember.objects.filter(pk=target.pk).update(failed_sign_ins=0)
        released = account_release(target.user.get_username())
        _audit(
            actor,
            target,
            "staff_unlock",
            request,
            paused=bool(released),
            failed_sign_ins=target.failed_sign_ins,
        )


def staff_active_set(
    *, actor: StaffMember, target: StaffMember, active: bool, request: HttpRequest | None = None
) -> None:
    """Deactivate (or reactivate) someone: they can no longer sign in; sessions end."""
    _require_admin_over(actor, target, "active")
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=target.user_id)
        before = user.is_active
        user.is_active = active
        user.save(update_fields=["is_active"])
        StaffMember.objects.filter(pk=target.pk).update(session_epoch=F("session_epoch") + 1)
        _audit(actor, target, "staff_active", request, before=before, after=active)


def staff_add_from_command_line(
    *, organisation_slug: str, username: str, role: str, operator: str
) -> tuple[StaffMember, str]:
    """`karpear staff add`: the first administrator of an organisation (and anyone else the
    operator adds), with a first password printed once. Audited like the desk's staff_add."""
    from karpear.orgs.models import Organisation
    from karpear.staff.services import staff_create

    organisation = Organisation.objects.filter(slug=organisation_slug).first()
    if organisation is None:
        raise NotFound(_("There is no such organisation."))
    username = _clean(username, 150)
    if not username or role not in Role.values:
        raise ApplicationError(_("Give a username and a role."))
    if get_user_model().objects.filter(username=username).exists():
        raise ApplicationError(_("That username is taken."), code="taken", status=409)
    password = secrets.token_urlsafe(15)
    with transaction.atomic():
        member = staff_create(
            organisation=organisation, username=username, password=password, role=Role(role)
        )
        audit_record(
            action="staff_add",
            organisation=organisation,
            actor_label=f"command line ({operator})"[:150],
            object_type="staff",
            object_id=member.pk,
            detail={"staff": username, "role": role},
        )
    return member, password


@transaction.atomic
def superuser_set(*, username: str, on: bool, operator: str) -> StaffMember:
    """Grant or revoke deployment-wide Django-admin rights (`karpear superuser`, command line
    only). The person must be desk staff, so the admin's sign-in is the desk's: password and
    one-time code, with its lockout, rate limit and audit."""
    member = (
        StaffMember.objects.select_related("user", "organisation")
        .filter(user__username=username)
        .first()
    )
    if member is None:
        raise NotFound(_("There is no such staff member."))
    user = get_user_model().objects.select_for_update().get(pk=member.user_id)
    before = user.is_superuser
    user.is_superuser = user.is_staff = on
    user.save(update_fields=["is_superuser", "is_staff"])
    audit_record(
        action="superuser_set",
        organisation=member.organisation,
        actor_label=f"command line ({operator})"[:150],
        object_type="staff",
        object_id=member.pk,
        detail={"staff": username, "before": before, "after": on},
    )
    return member
