"""The one gate every desk view passes: signed in with password and code, right role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec
from urllib.parse import urlencode

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from karpear.desk.wellness import exposure_tick
from karpear.staff.models import COMPANY_ROLES, REGULATOR_ROLES, Role, StaffMember
from karpear.staff.services import NotSignedIn, access_staff

P = ParamSpec("P")
DeskView = Callable[Concatenate[HttpRequest, StaffMember, P], HttpResponseBase]

CASE_WORK = (Role.ANALYST, Role.LEAD)
LEAD_ONLY = (Role.LEAD,)
AUDIT_READERS = (Role.LEAD, Role.ADMIN)
FIGURE_READERS = (Role.COMPLIANCE, Role.LEAD, Role.ADMIN)
# Every company role: the regulator's roles open no company page (issue #20).
EVERY_ROLE = tuple(r for r in Role if r in COMPANY_ROLES)
# Every regulator role (the regulator's own pages take theirs from regulator.common).
REGULATOR_READERS = tuple(r for r in Role if r in REGULATOR_ROLES)


def desk_view(
    *roles: Role,
    post: tuple[Role, ...] | None = None,
    reveals_content: bool = False,
) -> Callable[[DeskView[P]], Callable[Concatenate[HttpRequest, P], HttpResponseBase]]:
    """Declare who may use a view (and, with `post`, who may submit its form). Unsigned requests
    go to sign-in; wrong roles get 403, audited. `reveals_content` marks pages that can show
    reported content, whose time counts towards the session's exposure (desk.wellness)."""

    def decorate(view: DeskView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            try:
                allowed = post if post is not None and request.method == "POST" else roles
                member = access_staff(request, allowed)
            except NotSignedIn:
                return redirect(f"{reverse('desk:login')}?{urlencode({'next': request.path})}")
            request.staff = member  # type: ignore[attr-defined]
            request.exposure = exposure_tick(  # type: ignore[attr-defined]
                request, reveals_content=reveals_content
            )
            return view(request, member, *args, **kwargs)

        wrapper.desk_roles = roles  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
