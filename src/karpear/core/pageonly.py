"""Middleware that pages need and the JSON API does not: each one steps aside for /api/.

Issue #24: on the report-intake path every middleware runs on every report of a surge. The
API authenticates with bearer keys (apikeys.ScopedKey), never with a session or a cookie, so
sessions, CSRF, users, OTP, messages, the page-language negotiation, CommonMiddleware's
redirects, static files and the page CSP do nothing for it but cost time. Each class below
is the library's middleware unchanged for every other path, and returns at once (hooks
included) for a path under /api/. What the API relies on stays in MIDDLEWARE for every
path: request metrics and ids, SecurityMiddleware's headers, the 413 / NUL / deep-JSON
guards, the API's 405 and error middleware, X-Frame-Options; ApiLanguageMiddleware takes
over the language and its headers, and ApiHeadersMiddleware the API's own, constant CSP.

Why wrappers and not a second handler with its own middleware list: the test client
(django.test.Client) builds its own handler from settings.MIDDLEWARE, so a separate list in
a WSGI handler subclass would leave the tests on a path production never takes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from csp.middleware import CSPMiddleware as _CSP
from django.contrib.auth.middleware import AuthenticationMiddleware as _Auth
from django.contrib.messages.middleware import MessageMiddleware as _Messages
from django.contrib.sessions.middleware import SessionMiddleware as _Sessions
from django.http import HttpRequest, HttpResponse
from django.middleware.common import CommonMiddleware as _Common
from django.middleware.csrf import CsrfViewMiddleware as _Csrf
from django.middleware.locale import LocaleMiddleware as _Locale
from django_otp.middleware import OTPMiddleware as _OTP
from whitenoise.middleware import WhiteNoiseMiddleware as _WhiteNoise  # type: ignore[import-untyped]

from karpear.core.guards import API_PREFIX, is_api

# Nothing a browser should run or frame: a JSON answer opened in a tab stays inert.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

M = TypeVar("M")


def page_only(base: type[M]) -> type[M]:
    """`base` unchanged for pages; for an /api/ request it passes the request straight on,
    and its view, template-response and exception hooks (when it has them) do nothing."""
    cls: type[M] = type(
        base.__name__,
        (base,),
        {
            "__module__": __name__,
            "__doc__": f"{base.__module__}.{base.__qualname__}, skipped for {API_PREFIX} paths.",
        },
    )

    def __call__(self: Any, request: HttpRequest) -> Any:
        if is_api(request):
            return self.get_response(request)
        return super(cls, self).__call__(request)

    setattr(cls, "__call__", __call__)  # noqa: B010 - defined after cls, which it names
    for hook in ("process_view", "process_template_response", "process_exception"):
        if hasattr(base, hook):
            setattr(cls, hook, _skipping(cls, hook))
    return cls


def _skipping(cls: type, hook: str) -> Callable[..., Any]:
    """`hook` of cls's base for pages; for the API nothing (None, or the response as it is)."""

    def skip(self: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if is_api(request):
            return args[0] if hook == "process_template_response" else None
        return getattr(super(cls, self), hook)(request, *args, **kwargs)

    skip.__name__ = hook
    return skip


WhiteNoiseMiddleware = page_only(_WhiteNoise)
CSPMiddleware = page_only(_CSP)
SessionMiddleware = page_only(_Sessions)
LocaleMiddleware = page_only(_Locale)
CommonMiddleware = page_only(_Common)
CsrfViewMiddleware = page_only(_Csrf)
AuthenticationMiddleware = page_only(_Auth)
OTPMiddleware = page_only(_OTP)
MessageMiddleware = page_only(_Messages)


class ApiHeadersMiddleware:
    """The API's Content-Security-Policy, one constant string (the page CSP middleware is
    skipped for /api/, and builds a policy with nonces per response)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_api(request):
            response.headers.setdefault("Content-Security-Policy", API_CSP)
        return response
