"""`/metrics`: Prometheus exposition behind a bearer token (issue #23, item 1).

Without KARPEAR_METRICS_TOKEN the endpoint does not exist (404): nothing to guess at, and a
deployment that never set up monitoring exposes nothing. With it, a request without the exact
token is 401 with `WWW-Authenticate: Bearer`. The token is compared in constant time and never
logged (core/logging.py masks bearer tokens).
"""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from karpear.core.errors import ApplicationError
from karpear.monitoring.collector import ProductCollector

_PRODUCT = CollectorRegistry(auto_describe=False)
_PRODUCT.register(ProductCollector())


def _authorised(request: HttpRequest, token: str) -> bool:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def _process_metrics() -> bytes:
    """This process's request metrics, or every gunicorn worker's when they share a directory.

    With several gunicorn workers, PROMETHEUS_MULTIPROC_DIR (docs/operations.md) makes each
    write its counters there and a scrape sums them; without it a scrape sees one worker.
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.KARPEAR_METRICS_TOKEN
    if not token:
        raise Http404
    if not _authorised(request, token):
        error = ApplicationError(
            _("A valid bearer token is required."), code="unauthorised", status=401
        )
        response = JsonResponse(error.as_dict(), status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body = _process_metrics() + generate_latest(_PRODUCT)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
