"""The Django admin: deployment-wide, off unless enabled, signed in through the desk, audited.

Issue #15 (guidelines 2.6 b, PRODUCT "no one alone"): the admin is not a back door.
- It answers 404 unless `KARPEAR_DJANGO_ADMIN` is on (off in production by default).
- Only superusers granted by `karpear superuser grant` on the command line get in.
- Its sign-in is the desk's (password and one-time code, with the desk's lockout, rate
  limit and audit): the admin login page only redirects there.
- Every addition, change and deletion it makes is written to Karpear's audit log.
- Roles, superuser flags and authenticator seeds are not editable or readable here, nor
  are passwords set here; staff are administered on the desk, per organisation.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, URLResolver, reverse
from django_otp.admin import OTPAdminSite

from karpear.audit.services import audit_record

ACTIONS = {ADDITION: "add", CHANGE: "change", DELETION: "delete"}


def admin_audit(*, request: HttpRequest, obj: Model, flag: int, message: Any = "") -> None:
    """One audit entry for one change made in the Django admin."""
    from karpear.orgs.models import Organisation

    organisation = obj if isinstance(obj, Organisation) else getattr(obj, "organisation", None)
    audit_record(
        action="django_admin_" + ACTIONS[flag],
        organisation=organisation if isinstance(organisation, Organisation) else None,
        actor=request.user,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk or ""),
        detail={"object": str(obj)[:200], "change": message if message else ""},
        request=request,
    )


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Writes each admin change to Karpear's audit log as well as Django's LogEntry."""

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        admin_audit(request=request, obj=obj, flag=ADDITION, message=message)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        admin_audit(request=request, obj=obj, flag=CHANGE, message=message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[Model]) -> Any:
        for obj in queryset:
            admin_audit(request=request, obj=obj, flag=DELETION)
        return super().log_deletions(request, queryset)


def _audited(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:  # type: ignore[type-arg]
    if issubclass(admin_class, AuditedAdmin):
        return admin_class
    return type(admin_class.__name__, (AuditedAdmin, admin_class), {})


def _enabled_only(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not settings.KARPEAR_DJANGO_ADMIN:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


class KarpearAdminSite(OTPAdminSite):  # type: ignore[misc]
    def has_permission(self, request: HttpRequest) -> bool:
        from karpear.staff.services import SESSION_EPOCH_KEY

        user: Any = request.user
        member = getattr(user, "staff", None)
        return bool(
            user.is_active
            and user.is_superuser
            and user.is_verified()
            and member is not None
            and request.session.get(SESSION_EPOCH_KEY) == member.session_epoch
        )

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """No second sign-in form: the desk's, then back here."""
        if request.user.is_authenticated and getattr(request.user, "is_verified", bool)():
            audit_record(
                action="access_denied",
                organisation=getattr(getattr(request.user, "staff", None), "organisation", None),
                actor=request.user,
                detail={"path": request.path},
                request=request,
            )
            raise PermissionDenied
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect(f"{reverse('desk:login')}?{urlencode({'next': target})}")

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        super().register(model_or_iterable, _audited(admin_class or admin.ModelAdmin), **options)

    def get_urls(self) -> list[URLResolver | URLPattern]:
        urls: list[URLResolver | URLPattern] = super().get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _enabled_only(pattern.callback)
            else:
                _guard(pattern)
        return urls


def _guard(resolver: URLResolver) -> None:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _enabled_only(pattern.callback)
        else:
            _guard(pattern)


admin.site.__class__ = KarpearAdminSite
# Models registered before this module ran (auth, django-otp) are audited too.
for _model, _model_admin in list(admin.site._registry.items()):
    _model_admin.__class__ = _audited(type(_model_admin))


def _lock_down() -> None:
    """Authenticator seeds are never readable in the admin, and nobody becomes a superuser
    or gains permissions there: superusers only by `karpear superuser` (issue #15)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.admin import UserAdmin
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if admin.site.is_registered(TOTPDevice):
        admin.site.unregister(TOTPDevice)
    user_model = get_user_model()
    if admin.site.is_registered(user_model):
        admin.site.unregister(user_model)

    class KarpearUserAdmin(UserAdmin):  # type: ignore[type-arg]
        readonly_fields = ("is_superuser", "is_staff", "groups", "user_permissions", "last_login")

        def has_add_permission(self, request: HttpRequest) -> bool:
            return False  # staff are added on the desk, superusers on the command line

        def user_change_password(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            """Nobody sets another person's password here: with the desk's authenticator
            reset it would let one person enrol as a screened lead (issue #15 item 2).
            Passwords are chosen by their owner at enrolment."""
            audit_record(
                action="access_denied",
                organisation=getattr(getattr(request.user, "staff", None), "organisation", None),
                actor=request.user,
                detail={"path": request.path},
                request=request,
            )
            raise PermissionDenied

    admin.site.register(user_model, KarpearUserAdmin)


_lock_down()
