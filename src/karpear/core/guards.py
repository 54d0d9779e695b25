"""Input refused in one place, before any view, and headers every response needs.

Why here and not in each form: PostgreSQL refuses NUL (0x00) in text, so a
single NUL in any field used to reach the database and come back as a 500.
Checking the request once, before sessions, CSRF or a view read it, covers
the portal, the desk, the admin and the API alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

import numpy as np
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from karpear.core.errors import ApplicationError

# A JSON body nested deeper than this is refused before it is parsed: Python's
# parser recurses, and nothing Karpear takes is deeper than a few levels.
MAX_JSON_DEPTH = 32
# A JSON string literal, written as an unrolled loop so the regex engine does
# not try an alternation at every character (5x faster on a 2 MB notice).
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_URLENCODED = "application/x-www-form-urlencoded"


API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    """Whether the request is for the JSON API: one rule for every middleware and view that
    answers the API differently (path_info: the same with or without a SCRIPT_NAME prefix)."""
    return request.path_info.startswith(API_PREFIX)


class BadInput(ApplicationError):
    status = 400
    code = "invalid"


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in `body`, strings ignored.

    Done in C, not a Python loop over the body: strings are cut out by one
    regex, every byte but brackets dropped by bytes.translate, and the depth
    is numpy's running sum of +1/-1 (see bench/input_guard.py).
    """
    openings = body.count(b"[") + body.count(b"{")
    if openings <= MAX_JSON_DEPTH:
        return openings  # an upper bound, and already small enough
    brackets = np.frombuffer(
        _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS), dtype=np.uint8
    )
    if brackets.size == 0:
        return 0
    steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max())


def _any_text(value: Any, test: Callable[[str], bool]) -> bool:
    """Whether `test` holds for any key or string value of parsed JSON."""
    if isinstance(value, str):
        return test(value)
    if isinstance(value, dict):
        return any(test(k) or _any_text(v, test) for k, v in value.items())
    if isinstance(value, list):
        return any(_any_text(v, test) for v in value)
    return False


def _has_nul(value: Any) -> bool:
    return _any_text(value, lambda text: "\x00" in text)


def _not_utf8(text: str) -> bool:
    """A lone surrogate (JSON may spell "\\ud800"): no UTF-8 text, so no database column,
    can hold it; a pair ("\\ud83d\\ude00") has already become one character."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_request(request: HttpRequest) -> None:
    """Raise BadInput for NUL anywhere in the text of a request, or too-deep JSON.

    1. the path, the query string (raw and %00-decoded) and every header;
    2. a URL-encoded form body (decoded) or a JSON body (depth first, then
       every key and string value, where "\\u0000" becomes a NUL);
    3. the text fields of a multipart form (files are the view's business).
    """
    # Lazy: read in the person's language when the refusal is written (InputGuardMiddleware).
    nul = gettext_lazy("The text sent contains a character that is not allowed (NUL).")
    if "\x00" in request.path or b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        raise BadInput(nul)
    if any(
        "\x00" in value
        for name, value in request.META.items()
        if name.startswith("HTTP_") and isinstance(value, str)
    ):
        raise BadInput(nul)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and _body_has_nul(request):
        raise BadInput(nul)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and _json_has_lone_surrogate(request):
        # Every JSON API, not each view: a report's description with one was a server error
        # when the database refused to store it.
        raise BadInput(
            gettext_lazy("Some letters could not be read. Please type them again."),
        )


def _body_has_nul(request: HttpRequest) -> bool:
    content_type = request.content_type or ""
    if content_type == _URLENCODED:
        return b"\x00" in unquote_to_bytes(request.body.replace(b"+", b" "))
    if content_type == "application/json" or content_type.endswith("+json"):
        return _json_has_nul(request.body)
    if content_type.startswith("multipart/"):
        return any("\x00" in v for _name, values in request.POST.lists() for v in values)
    return False


def _json_has_lone_surrogate(request: HttpRequest) -> bool:
    content_type = request.content_type or ""
    if not (content_type == "application/json" or content_type.endswith("+json")):
        return False
    if b"\\ud" not in request.body.lower():  # no surrogate escape at all: nothing to parse
        return False
    try:
        return _any_text(json.loads(request.body), _not_utf8)
    except ValueError:
        return False  # not JSON: the view answers with its own 400


def parse_json(body: bytes) -> Any:
    """json.loads for bytes from outside a request body (another server's answer, a file):
    ValueError, like any unreadable JSON, when nested deeper than MAX_JSON_DEPTH, because
    Python's parser recurses and would raise RecursionError instead."""
    if json_depth(body) > MAX_JSON_DEPTH:
        raise ValueError("JSON nested too deeply")
    return json.loads(body)


def check_json_file(body: bytes) -> None:
    """Raise BadInput for a JSON file nested too deeply or holding a NUL: the same rules as a
    JSON body, for a file a view parses itself (check_request never reads uploaded files)."""
    if _json_has_nul(body):
        raise BadInput(_("The text sent contains a character that is not allowed (NUL)."))


def _json_has_nul(body: bytes) -> bool:
    if json_depth(body) > MAX_JSON_DEPTH:
        raise BadInput(gettext_lazy("What you sent is nested too deeply."), code="too_deep")
    if b"\x00" in body:
        return True
    if b"\\u0000" not in body.lower():
        return False
    try:
        return _has_nul(json.loads(body))
    except ValueError:
        return False  # not JSON: the view answers with its own 400


def error_response(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: str | Promise,
    retry_after: int | None = None,
) -> HttpResponse:
    """The API's JSON error, or the shared error page, for middleware that answers itself."""
    response: HttpResponse
    if is_api(request):
        response = JsonResponse({"error": {"code": code, "message": str(message)}}, status=status)
    else:
        template = "desk/error.html" if "/desk/" in request.path else "core/error.html"
        response = render(request, template, {"message": message}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def language_for(request: HttpRequest) -> str:
    """The language of a refusal made before LocaleMiddleware: the path's, or for the API the
    Accept-Language header's."""
    if is_api(request):
        return translation.get_language_from_request(request, check_path=False)
    return translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE


class InputGuardMiddleware:
    """Answer 400 (in the person's language, or as the API's JSON error) for bad input.

    Runs before sessions: a NUL in the session cookie would otherwise reach the
    session table on PostgreSQL.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except BadInput as refused:
            # The language is worked out only for a refusal (issue #24: not on every request).
            with translation.override(language_for(request)):  # messages in their language
                return error_response(
                    request, status=refused.status, code=refused.code, message=refused.message
                )
        return self.get_response(request)


_NO_STORE_PREFIXES = ("/desk/", "/en/desk/", "/admin/", "/en/admin/")


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every desk and admin response.

    Desk pages show case facts, personal data and evidence metadata; no
    browser, proxy or shared computer should keep a copy (the back button on a
    signed-out desk must not show the queue again).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(_NO_STORE_PREFIXES):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


class ApiMethodNotAllowedMiddleware:
    """Ninja answers a wrong method with a bare text 405; the API keeps one error format."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and is_api(request)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            allowed = response.get("Allow", "")
            response = error_response(
                request,
                status=405,
                code="method_not_allowed",
                message=_("This address does not take this kind of request."),
            )
            response["Allow"] = allowed
        return response
