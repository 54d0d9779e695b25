"""Health check and error pages."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers a query, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request, "core/error.html", {"message": _("We could not find this page.")}, status=404
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {"message": _("You do not have permission to see this page.")},
        status=403,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {"message": _("Something went wrong on our side. Please try again soon.")},
        status=500,
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {"message": _("We could not read what was sent. Please try again.")},
        status=400,
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
