"""Staff accounts, sign-in with a one-time code and throttling, and role checks.

Every desk view, API endpoint and command checks access through
`access_staff`; the role sets are declared beside each view.
"""

from __future__ import annotations

import base64
import hmac
import time
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from karpear.audit.services import audit_record
from karpear.core.errors import ApplicationError, RateLimited
from karpear.orgs.models import Organisation
from karpear.staff.models import Role, StaffMember, roles_for
from karpear.staff.throttle import Budget, budgets_for, give_back, spend

SESSION_EPOCH_KEY = "karpear_epoch"


class NotSignedIn(Exception):
    """The request has no fully verified (password and one-time code) staff session."""


@transaction.atomic
def staff_create(
    *, organisation: Organisation, username: str, password: str, role: Role, email: str = ""
) -> StaffMember:
    if role not in roles_for(organisation):
        # A regulator's staff hold regulator roles only and a company's company roles only.
        raise ApplicationError(_("This role does not exist in this organisation."), code="role")
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


_WRONG = _("The username, password or code is not right.")
_PAUSED = {
    # One message for a known and an unknown username alike (the budget is kept
    # for any typed username), and it tells the member what still works.
    "account": _(
        "Too many wrong tries for this username. Sign-in from new phones and computers "
        "is paused for a while; one you have signed in on before still works."
    ),
    "client": _("Too many tries from this phone or computer. Please try again later."),
    "device": _("Too many tries from this phone or computer. Please try again later."),
}
_CODE_USED = _("That code was just used. Wait for the next code.")
_CODE_WAIT = _("Please wait a few seconds before trying a code again.")


def _audit_failure(
    member: StaffMember | None, request: HttpRequest, username: str, step: str
) -> None:
    """Audit a failed or refused attempt: the step only, never the password or code."""
    audit_record(
        action="sign_in_failed",
        organisation=member.organisation if member else None,
        actor=member.user if member else None,
        # As typed, but PostgreSQL text cannot hold NUL.
        actor_label=username[:150].replace("\x00", "\ufffd"),
        detail={"step": step},
        request=request,
    )


def _fail(member: StaffMember | None, request: HttpRequest, username: str, step: str) -> None:
    if member is not None:
        # One UPDATE … SET n = n + 1: concurrent failures are all counted.
        StaffMember.objects.filter(pk=member.pk).update(failed_sign_ins=F("failed_sign_ins") + 1)
    _audit_failure(member, request, username, step)


def _spend_or_refuse(
    request: HttpRequest, username: str, member: StaffMember | None
) -> list[Budget]:
    """Take this attempt's tries (throttle.py); RateLimited, audited, when one is spent."""
    budgets = budgets_for(request, username)
    refusal = spend(budgets)
    if refusal is not None:
        _audit_failure(member, request, username, f"paused_{refusal.scope}")
        raise RateLimited(_PAUSED[refusal.scope], retry_after=refusal.retry_after)
    return budgets


def _member(username: str) -> StaffMember | None:
    if "\x00" in username:  # no such username, and PostgreSQL refuses NUL in a query
        return None
    return (
        StaffMember.objects.select_related("user", "organisation")
        .filter(user__username=username)
        .first()
    )


def check_password_step(
    *, request: HttpRequest, username: str, password: str, staff_only: bool = True
) -> Any:
    """Step 1: the password. Returns the user, who still needs a one-time code.

    1. Take a try from the budgets (before checking: the atomic count decides).
    2. Check the password; for an unknown or inactive username (or, on the
       desk, one with no staff record) the hasher still runs once against
       nothing, so the answer and its time are the same as for a wrong password.
    3. On success give the try back: only failures count.

    `staff_only=False` serves the admin's sign-in (ThrottledModelBackend),
    where a superuser need not be a desk member.
    """
    member = _member(username)
    user = member.user if member is not None else None
    if user is None and not staff_only and "\x00" not in username:
        user = get_user_model()._default_manager.filter(username=username).first()
    budgets = _spend_or_refuse(request, username, member)
    if user is None or not user.is_active:
        make_password(password)  # the default hasher runs once, as a real check would
        ok = False
    else:
        ok = user.check_password(password)
    if not ok or user is None:
        _fail(member, request, username, "password")
        raise ApplicationError(_WRONG, code="wrong_credentials", status=403)
    give_back(budgets)
    return user


def _code_just_used(device: TOTPDevice, code: str) -> bool:
    """Whether `code` is the one this device accepted last, still in its time window."""
    if device.last_t < 0 or not (code.isascii() and code.isdigit()):
        return False
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    clock.time = time.time()
    if device.last_t < clock.t() - device.tolerance:
        return False
    used = f"{hotp(device.bin_key, device.last_t, device.digits):0{device.digits}d}"
    return hmac.compare_digest(used, code.zfill(device.digits))


_OWN_PASSWORD = _("Choose a password of your own, different from the one you were given.")
_PASSWORDS_DIFFER = _("The two new passwords are not the same.")


def check_new_password(*, user: Any, new_password: str, again: str) -> None:
    """At enrolment the owner replaces the password an administrator (or operator) was shown.

    Issue #15 item 2, "no one alone": whoever added an account knows its first password; if
    it stayed valid, resetting the authenticator later would let them enrol their own phone
    and be that (screened) person. Validated before any code is checked; ApplicationError 400.
    """
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    if not new_password or user.check_password(new_password):
        raise ApplicationError(_OWN_PASSWORD, code="own_password")
    if new_password != again:
        raise ApplicationError(_PASSWORDS_DIFFER, code="passwords_differ")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), code="weak_password") from exc


def check_code_step(
    *, request: HttpRequest, user: Any, code: str, enrolling: bool, new_password: str = ""
) -> TOTPDevice:
    """Step 2: the one-time code (or the first code of a new authenticator).

    Reached only with the right password, so it may say what went wrong with
    the code: just used (wait for the next one), or tried too fast. Lock: the
    device row FOR UPDATE, so two sessions cannot both spend one code. Enrolling
    also sets `new_password` (checked by `check_new_password` first), in the same
    transaction that confirms the authenticator.
    """
    member: StaffMember = user.staff
    username = user.get_username()
    code = code.strip()
    if enrolling and not new_password:
        raise ApplicationError(_OWN_PASSWORD, code="own_password")
    budgets = _spend_or_refuse(request, username, member)
    found = totp_enrolment_device(user) if enrolling else totp_device(user, confirmed=True)
    if found is None:
        _fail(member, request, username, "code")
        raise ApplicationError(_WRONG, code="wrong_code", status=403)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=found.pk)
        allowed, _why = device.verify_is_allowed()
        ok = allowed and code.isascii() and code.isdigit() and device.verify_token(code)
        if ok and enrolling:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            user.set_password(new_password)
            user.save(update_fields=["password"])
            audit_record(
                action="password_chosen",
                organisation=member.organisation,
                actor=user,
                object_type="staff",
                object_id=member.pk,
                request=request,
            )
    if not ok:
        if not allowed or _code_just_used(device, code):
            # Not a guess: the member's own code, too soon. Costs no budget.
            give_back(budgets)
            step = "code_too_fast" if not allowed else "code_reused"
            _audit_failure(member, request, username, step)
            if not allowed:
                raise ApplicationError(_CODE_WAIT, code="code_too_fast", status=429)
            raise ApplicationError(_CODE_USED, code="code_used", status=403)
        _fail(member, request, username, "code")
        raise ApplicationError(_WRONG, code="wrong_code", status=403)
    give_back(budgets)
    StaffMember.objects.filter(pk=member.pk).update(failed_sign_ins=0)
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
