"""Health check and error pages."""

from __future__ import annotations

import sys
import uuid

from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from karpear.core.dbfailures import RETRY_AFTER_SECONDS, is_bad_value, is_disk_full
from karpear.core.guards import is_api
from karpear.core.models import RateCounter


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and can write; 503 otherwise.

    The write probe inserts one rate-limit row inside a savepoint that is
    always rolled back, so a full disk (reads fine, writes fail) shows here
    as `"writes": "failing"` before reporters see errors.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    try:
        with transaction.atomic():
            RateCounter.objects.create(
                bucket=f"healthz-{uuid.uuid4().hex}", hits=0, expires_at=timezone.now()
            )
            raise _ProbeDone
    except _ProbeDone:
        pass
    except DatabaseError as exc:
        if "locked" in str(exc).lower():
            # SQLite under a burst of writes: this process is fine, only busy.
            # Failing the check would make a load balancer drop it exactly then.
            return JsonResponse({"status": "ok", "database": "ok", "writes": "busy"})
        failing = "failing" if is_disk_full(exc) else "unavailable"
        response = JsonResponse(
            {"status": "error", "database": "ok", "writes": failing}, status=503
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return JsonResponse({"status": "ok", "database": "ok", "writes": "ok"})


class _ProbeDone(Exception):
    """Raised to roll the write probe back."""


def _api_or_page(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """Paths under /api/ keep the API's one JSON error format, even for Django's own errors."""
    if is_api(request):
        return JsonResponse({"error": {"code": code, "message": message}}, status=status)
    return render(request, "core/error.html", {"message": message}, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_or_page(request, 404, "not_found", _("We could not find this page."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_or_page(
        request, 403, "forbidden", _("You do not have permission to see this page.")
    )


def _disk_full(request: HttpRequest) -> HttpResponse:
    response = _api_or_page(
        request,
        503,
        "unavailable",
        _("We cannot save anything right now. Please try again in a few minutes."),
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """500, unless the error escaped a middleware and is really a full disk or a bad value.

    A view's errors are sorted by ApplicationErrorMiddleware; this catches
    those raised after the view, such as the desk's session save on a full disk.
    """
    exception = sys.exc_info()[1]
    if exception is not None and is_disk_full(exception):
        return _disk_full(request)
    if exception is not None and is_bad_value(exception):
        return _api_or_page(
            request, 400, "invalid", _("We could not read what was sent. Please try again.")
        )
    return _api_or_page(
        request, 500, "server_error", _("Something went wrong on our side. Please try again soon.")
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Django turns a session that cannot be saved into SessionInterrupted (400);
    # when the cause is a full disk, it is an outage: 503.
    if exception is not None and is_disk_full(exception):
        return _disk_full(request)
    return _api_or_page(
        request, 400, "invalid", _("We could not read what was sent. Please try again.")
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {
            "message": _(
                "This page was open too long. Please go back, reload the page and send it again."
            )
        },
        status=403,
    )
