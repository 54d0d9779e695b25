"""Staff sign-in: password, then a one-time code (enrolling an authenticator the first time)."""

from __future__ import annotations

import segno
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from karpear.core.errors import ApplicationError, RateLimited
from karpear.staff.services import (
    check_code_step,
    check_new_password,
    check_password_step,
    complete_sign_in,
    sign_out,
    totp_device,
    totp_enrolment_device,
    totp_secret,
)
from karpear.staff.throttle import remember_device

PENDING_USER = "karpear_pending_user"


def _refused(
    request: HttpRequest, template: str, context: dict[str, object], exc: ApplicationError
) -> HttpResponse:
    context["error"] = exc.message
    response = render(request, template, context, status=exc.status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return reverse("desk:home")


@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"next": _next(request)}
    if request.method == "POST":
        username = str(request.POST.get("username", ""))[:150]
        context["username"] = username
        try:
            user = check_password_step(
                request=request,
                username=username,
                password=str(request.POST.get("password", ""))[:1000],
            )
        except ApplicationError as exc:
            return _refused(request, "desk/login.html", context, exc)
        request.session.cycle_key()
        request.session[PENDING_USER] = user.pk
        return redirect(f"{reverse('desk:code')}?next={context['next']}")
    return render(request, "desk/login.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    user = get_user_model().objects.filter(pk=request.session.get(PENDING_USER) or 0).first()
    if user is None:
        return redirect("desk:login")
    enrolling = totp_device(user, confirmed=True) is None
    context: dict[str, object] = {"enrolling": enrolling, "next": _next(request)}
    if enrolling:
        device = totp_enrolment_device(user)
        qr = segno.make(device.config_url, error="m")
        context["qr"] = qr.svg_data_uri(scale=4, dark="#000", light="#fff")
        context["secret"] = totp_secret(device)
    if request.method == "POST":
        new_password = str(request.POST.get("new_password", ""))[:1000]
        try:
            if enrolling:  # the first password was shown to someone else: replace it
                check_new_password(
                    user=user,
                    new_password=new_password,
                    again=str(request.POST.get("new_password_again", ""))[:1000],
                )
            device = check_code_step(
                request=request,
                user=user,
                code=str(request.POST.get("code", ""))[:12],
                enrolling=enrolling,
                new_password=new_password if enrolling else "",
            )
        except ApplicationError as exc:
            return _refused(request, "desk/code.html", context, exc)
        del request.session[PENDING_USER]
        complete_sign_in(request=request, user=user, device=device)
        response = redirect(_next(request))
        # This phone or computer now has its own failure budget (staff/throttle.py).
        remember_device(response, username=user.get_username())
        return response
    return render(request, "desk/code.html", context)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    sign_out(request=request, everywhere=request.POST.get("everywhere") == "1")
    return redirect("desk:login")
