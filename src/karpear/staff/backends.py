"""The sign-in budgets for every password form, not only the desk's.

The admin (django-otp's OTPAdminSite) signs in through Django's
`authenticate()`; without this backend it would be a way round the desk's
throttling. It delegates to the same service as the desk's password step.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from karpear.core.errors import ApplicationError


class ThrottledModelBackend(ModelBackend):
    """ModelBackend whose password checks spend the sign-in budgets (staff/throttle.py)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None or username is None or password is None:
            # Not a request from a client (tests' client.login, management
            # commands): nothing to throttle.
            return super().authenticate(request, username, password, **kwargs)
        from karpear.staff.services import check_password_step

        try:
            return check_password_step(
                request=request, username=username, password=password, staff_only=False
            )
        except ApplicationError:
            # Stop here: PermissionDenied keeps any other backend from checking it.
            raise PermissionDenied from None
