"""The JSON API under /api/v1/: one NinjaAPI, one error format.

OpenAPI 3 is generated from the typed schemas at /api/v1/openapi.json. The
interactive docs page is off: it would load scripts from a third party.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from karpear.apikeys.api import router as keys_router
from karpear.blocklist.api import router as blocklist_router
from karpear.core.errors import ApplicationError, RateLimited
from karpear.evidence.api import router as evidence_router
from karpear.hashes.api import router as hashes_router
from karpear.notices.api import router as notices_router
from karpear.orgs.services import NoOrganisation
from karpear.reports.api import router as reports_router

api = NinjaAPI(
    title="Karpear API",
    version="1",
    description="Child online protection platform: reports, notices, hash checks, blocklists.",
    urls_namespace="api-1",
    openapi_url="/openapi.json",
    docs_url=None,
)
api.add_router("/", reports_router)
api.add_router("/", keys_router)
api.add_router("/", notices_router)
api.add_router("/", evidence_router)
api.add_router("/", blocklist_router)
api.add_router("/", hashes_router)


def _error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body: dict[str, object] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return api.create_response(request, {"error": body}, status=status)


@api.exception_handler(ApplicationError)
def on_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        fields.setdefault(".".join(loc) or "body", []).append(str(error.get("msg", "")))
    return _error(request, 400, "invalid", _("Some answers need to be checked."), fields)


@api.exception_handler(NoOrganisation)
def on_no_organisation(request: HttpRequest, exc: NoOrganisation) -> HttpResponse:
    return _error(request, 404, "unknown_site", _("No organisation is served at this address."))


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", _("A valid API key is needed."))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    """Ninja's own 404 body is `{"detail": ...}`; keep the one error format."""
    return _error(request, 404, "not_found", _("We could not find this."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))
