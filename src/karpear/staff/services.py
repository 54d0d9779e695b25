"""Staff accounts, sign-in with a one-time code, lockout, and role checks.

Every desk view, API endpoint and command checks access through
`access_staff`; the role sets are declared beside each view.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from karpear.audit.services import audit_record
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.staff.models import Role, StaffMember

SESSION_EPOCH_KEY = "karpear_epoch"


class NotSignedIn(Exception):
    """The request has no fully verified (password and one-time code) staff session."""


@transaction.atomic
def staff_create(
    *, organisation: Organisation, username: str, password: str, role: Role, email: str = ""
) -> StaffMember:
    user_model = get_user_model()
    user = user_model.objects.create_user(username=username, email=email, password=password)
    return StaffMember.objects.create(user=user, organisation=organisation, role=role)


def totp_device(user: Any, *, confirmed: bool | None = None) -> TOTPDevice | None:
    devices = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        devices = devices.filter(confirmed=confirmed)
    return devices.order_by("-confirmed", "id").first()


def totp_enrolment_device(user: Any) -> TOTPDevice:
    """The unconfirmed device being enrolled, created on first use."""
    return totp_device(user, confirmed=False) or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=False
    )


def totp_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def _locked(member: StaffMember) -> bool:
    return member.locked_until is not None and member.locked_until > timezone.now()


_LOCKED = _(
    "Too many wrong tries. This account is locked for a while; ask an administrator "
    "if you need it sooner."
)
_WRONG = _("The username, password or code is not right.")


def _fail(member: StaffMember | None, request: HttpRequest, username: str, step: str) -> None:
    if member is not None:
        member.failed_sign_ins += 1
        fields = ["failed_sign_ins"]
        if member.failed_sign_ins >= settings.KARPEAR_LOCKOUT_AFTER:
            member.locked_until = timezone.now() + timedelta(
                minutes=settings.KARPEAR_LOCKOUT_MINUTES
            )
            fields.append("locked_until")
        member.save(update_fields=fields)
    audit_record(
        action="sign_in_failed",
        organisation=member.organisation if member else None,
        actor=member.user if member else None,
        actor_label=username[:150],
        detail={"step": step},
        request=request,
    )


def check_password_step(*, request: HttpRequest, username: str, password: str) -> Any:
    """Step 1: the password. Returns the user, who still needs a one-time code."""
    from django.contrib.auth import authenticate

    member = (
        StaffMember.objects.select_related("user", "organisation")
        .filter(user__username=username)
        .first()
    )
    if member is not None and _locked(member):
        _fail(member, request, username, "locked")
        raise ApplicationError(_LOCKED, code="locked", status=403)
    user = authenticate(request, username=username, password=password)
    if user is None or member is None or not user.is_active:
        _fail(member, request, username, "password")
        raise ApplicationError(_WRONG, code="wrong_credentials", status=403)
    return user


def check_code_step(*, request: HttpRequest, user: Any, code: str, enrolling: bool) -> TOTPDevice:
    """Step 2: the one-time code (or the first code of a new authenticator)."""
    member: StaffMember = user.staff
    if _locked(member):
        raise ApplicationError(_LOCKED, code="locked", status=403)
    device = totp_enrolment_device(user) if enrolling else totp_device(user, confirmed=True)
    if device is None or not code.strip().isdigit() or not device.verify_token(code.strip()):
        _fail(member, request, user.get_username(), "code")
        raise ApplicationError(_WRONG, code="wrong_code", status=403)
    with transaction.atomic():
        if enrolling:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        member.failed_sign_ins = 0
        member.locked_until = None
        member.save(update_fields=["failed_sign_ins", "locked_until"])
    return device


def complete_sign_in(*, request: HttpRequest, user: Any, device: TOTPDevice) -> None:
    from django.contrib.auth import login
    from django_otp import login as otp_login

    login(request, user)
    otp_login(request, device)
    request.session[SESSION_EPOCH_KEY] = user.staff.session_epoch
    audit_record(
        action="sign_in", organisation=user.staff.organisation, actor=user, request=request
    )


def sign_out(*, request: HttpRequest, everywhere: bool = False) -> None:
    from django.contrib.auth import logout

    user = request.user
    member: StaffMember | None = getattr(user, "staff", None)
    if member is not None:
        if everywhere:
            StaffMember.objects.filter(pk=member.pk).update(session_epoch=member.session_epoch + 1)
        audit_record(
            action="sign_out_everywhere" if everywhere else "sign_out",
            organisation=member.organisation,
            actor=user,
            request=request,
        )
    logout(request)


def access_staff(request: HttpRequest, roles: Iterable[Role]) -> StaffMember:
    """The signed-in staff member if their role is in `roles`.

    Raises NotSignedIn without a password-and-code session (or one ended by
    "sign out everywhere"), PermissionDenied for any other role (audited).
    """
    user = request.user
    if not user.is_authenticated or not getattr(user, "is_verified", lambda: False)():
        raise NotSignedIn
    member: StaffMember | None = getattr(user, "staff", None)
    if member is None:
        raise NotSignedIn
    if request.session.get(SESSION_EPOCH_KEY) != member.session_epoch:
        from django.contrib.auth import logout

        logout(request)
        raise NotSignedIn
    if member.role not in set(roles):
        audit_record(
            action="access_denied",
            organisation=member.organisation,
            actor=user,
            detail={"path": request.path},
            request=request,
        )
        raise PermissionDenied
    return member
