"""Refuse oversized requests and file uploads before anything reads them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from karpear.core.dbfailures import RETRY_AFTER_SECONDS, is_bad_value, is_disk_full
from karpear.core.errors import ApplicationError, RateLimited
from karpear.core.guards import error_response, is_api, language_for

logger = logging.getLogger(__name__)


class RequestGuardMiddleware:
    """Answer 413 when the declared body is larger than the configured limit.

    Django itself stops reading at DATA_UPLOAD_MAX_MEMORY_SIZE only when a view
    touches request.POST; checking Content-Length up front gives the person a
    clear page (or the API client one JSON error) instead of a bare 400.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self._refusal(request)
        return self.get_response(request) if refused is None else refused

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        # This runs before LocaleMiddleware: without the override, a refusal on an /en/ page
        # came in whatever language the thread last served (Khmer, as a rule). The language
        # is worked out only for a refusal, not on every request (issue #24).
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = next(
            (
                size
                for prefix, size in settings.KARPEAR_LARGE_BODY_LIMITS.items()
                if request.path.startswith(prefix)
            ),
            settings.KARPEAR_MAX_BODY_BYTES,
        )
        if length > limit:
            with translation.override(language_for(request)):
                message = _("What you sent is too long. Please make it shorter and try again.")
                if is_api(request):
                    return JsonResponse(
                        {"error": {"code": "too_large", "message": message}}, status=413
                    )
                return render(request, "core/error.html", {"message": message}, status=413)
        if (
            request.method == "POST"
            and (request.content_type or "").startswith("multipart/")
            and not (request.path.startswith(_FILE_UPLOAD_PREFIXES))
        ):
            with translation.override(language_for(request)):
                return self._files_refused(request)
        return None

    def _files_refused(self, request: HttpRequest) -> HttpResponse:
        # Principle "never handle CSAM where it is not needed": the portal
        # takes links, never files. Refuse before CSRF or anything else
        # parses the body, so no uploaded byte is ever written to disk.
        message = _(
            "We do not take pictures or files. Please do not send them: the link is enough."
        )
        if is_api(request):
            return JsonResponse(
                {"error": {"code": "files_refused", "message": message}}, status=415
            )
        return render(request, "core/error.html", {"message": message}, status=415)


# Staff and platform endpoints that take files check them themselves.
_FILE_UPLOAD_PREFIXES: tuple[str, ...] = (
    "/api/v1/hashes/",
    "/api/v1/evidence",
    "/desk/notices/new/",
    "/en/desk/notices/new/",
    "/desk/compliance/",  # policy documents and screenshots as evidence for checklist items
    "/en/desk/compliance/",
    "/desk/regulator/upload/",  # a company's package uploaded by hand (issue #20)
    "/en/desk/regulator/upload/",
    "/desk/safeguarding/staff/import/",  # the staff directory's CSV (issue #21), checked there
    "/en/desk/safeguarding/staff/import/",
)


class ApiLanguageMiddleware:
    """Let API clients choose the language of messages with Accept-Language.

    Public pages take their language from the URL (Khmer at "/", English at
    "/en/"), which makes LocaleMiddleware pin every other path to Khmer; the
    API has no language in its paths, so it follows the header instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api(request):
            return self.get_response(request)
        language = translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # LocaleMiddleware's headers, since it steps aside for the API (core/pageonly.py):
        # caches keep one answer per language, and the client learns which one it got.
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class ApplicationErrorMiddleware:
    """Show a service's ApplicationError on a page, in the person's language.

    The API has its own handler (one JSON format); pages that do not catch an
    error themselves get the shared error page with the error's status.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ApplicationError) and not is_api(request):
            template = "desk/error.html" if "/desk/" in request.path else "core/error.html"
            page = render(
                request, template, {"message": exception.message}, status=exception.status
            )
            if isinstance(exception, RateLimited):
                page["Retry-After"] = str(exception.retry_after)
            return page
        # Pages and the API alike (the API re-raises what it has no handler for).
        if is_disk_full(exception):
            logger.error("database write failed for lack of space: %s", type(exception).__name__)
            return error_response(
                request,
                status=503,
                code="unavailable",
                message=_("We cannot save anything right now. Please try again in a few minutes."),
                retry_after=RETRY_AFTER_SECONDS,
            )
        if is_bad_value(exception):
            return error_response(
                request,
                status=400,
                code="invalid",
                message=_("We could not read what was sent. Please try again."),
            )
        return None
