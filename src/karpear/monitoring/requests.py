"""Request rates and latencies by route group (issue #23, item 1).

The label is a small fixed set (the portal, the desk, each API area...), never the path: a
path can hold a report reference, and unbounded labels would grow the scrape forever.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Histogram

from karpear.core.logging import current_request, current_request_id

log = logging.getLogger("karpear.request")
# A proxy's id (nginx's $request_id is 32 hex digits) is kept if it looks like one; anything
# else is replaced, so a client cannot write arbitrary text into every log line.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

# First segments of the pages ("/en/" stripped) worth their own series; the API's areas are
# read from its routes (api_areas), so a new router's requests never count as `api_other`.
PAGE_AREAS = frozenset(
    {"desk", "status", "blocked", "contest", "transparency", "admin", "static", "healthz"}
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "karpear_http_requests",
    "HTTP requests answered, by route group, method and status class.",
    ["group", "method", "status"],
)
LATENCY = Histogram(
    "karpear_http_request_duration_seconds",
    "Time to answer an HTTP request, by route group.",
    ["group"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


@cache
def api_areas() -> frozenset[str]:
    """The first segments of every /api/v1/ route ("reports", "regulator", "safety-policy"...),
    read once from the API's URL patterns (imported late: karpear.api imports every app)."""
    from karpear.api import api

    patterns = api.urls[0]
    assert isinstance(patterns, list)
    areas = {str(p.pattern).split("/", 1)[0] for p in patterns}
    return frozenset(area for area in areas if area and "." not in area)  # not openapi.json


def route_group(path: str) -> str:
    """The route group of a request path: "portal", "desk", "api_reports", … or "other"."""
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["en"]:
        parts = parts[1:]
    if not parts:
        return "portal"
    if parts[0] == "api":
        area = parts[2] if len(parts) > 2 and parts[1] == "v1" else ""
        return f"api_{area.replace('-', '_')}" if area in api_areas() else "api_other"
    if parts[0] == "metrics":
        return "metrics"
    return parts[0] if parts[0] in PAGE_AREAS else "other"


class RequestMetricsMiddleware:
    """First in MIDDLEWARE, so refusals by later middleware (413, 400, 503) count too.

    It also gives the request its id (X-Request-ID, kept from the proxy or made here, and sent
    back) for every log line written while serving it (core/logging.py, issue #23 item 3).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        group = route_group(request.path)
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        id_token = current_request_id.set(request_id)
        request_token = current_request.set(request)
        status = "5xx"  # an exception escaping every handler becomes a 500
        code = 500
        try:
            response = self.get_response(request)
            code = response.status_code
            status = f"{code // 100}xx"
            response["X-Request-ID"] = request_id
            return response
        finally:
            method = request.method if request.method in METHODS else "other"
            elapsed = time.perf_counter() - started
            REQUESTS.labels(group, method, status).inc()
            LATENCY.labels(group).observe(elapsed)
            if settings.KARPEAR_LOG_FORMAT == "json":
                # One line a request; the route group, never the path (it may hold a reference).
                log.info("%s %s %d %.1fms", method, group, code, elapsed * 1000)
            current_request.reset(request_token)
            current_request_id.reset(id_token)
