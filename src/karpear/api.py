"""The JSON API under /api/v1/: one NinjaAPI, one error format.

OpenAPI 3 is generated from the typed schemas at /api/v1/openapi.json. The
interactive docs page is off: it would load scripts from a third party.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from karpear.apikeys.api import router as keys_router
from karpear.blocklist.api import router as blocklist_router
from karpear.complaints.api import router as complaints_router
from karpear.core.errors import ApplicationError, RateLimited
from karpear.evidence.api import router as evidence_router
from karpear.hashes.api import router as hashes_router
from karpear.notices.api import router as notices_router
from karpear.orgs.services import NoOrganisation
from karpear.referrals.api import router as referrals_router
from karpear.regulator.api import router as regulator_router
from karpear.reports.api import router as reports_router
from karpear.reports.rules import TOO_LONG
from karpear.safety.api import router as safety_router

# Answers any operation can give besides its own, and why (issue #15, item 14):
# the OpenAPI document lists them so clients and the fuzzer know the contract.
_COMMON_ERRORS: dict[str, str] = {
    "400": "Malformed input: invalid fields, a NUL character, JSON nested too deeply.",
    "404": "Not found, or no organisation is served at this host name.",
    "429": "Too many requests from this client; see Retry-After.",
    "503": "The database cannot write (disk full); retry after Retry-After seconds.",
}
_AUTH_ERRORS = {
    "401": "No valid API key.",
    "403": "The key's scope or organisation does not allow this.",
}
_BODY_ERRORS = {
    "413": "The body is larger than this operation accepts.",
    "415": "Files are refused here (only the upload operations take them).",
}
_ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}


class KarpearAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document declares every operation's error answers."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for methods in schema.get("paths", {}).values():
            for method, operation in methods.items():
                errors = dict(_COMMON_ERRORS)
                if operation.get("security"):
                    errors.update(_AUTH_ERRORS)
                if method in ("post", "put", "patch"):
                    errors.update(_BODY_ERRORS)
                responses = operation.setdefault("responses", {})
                for status, description in errors.items():
                    responses.setdefault(status, {"description": description, "content": error})
        return schema


api = KarpearAPI(
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
api.add_router("/", referrals_router)

api.add_router("/", complaints_router)
api.add_router("/", regulator_router)

api.add_router("/", safety_router)


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


# pydantic's error types with a message of ours; any other type but `value_error` reads
# "Please check this answer." (gettext_lazy: the reader's language when it is shown).
_FIELD_MESSAGES = {
    "missing": gettext_lazy("This answer is needed."),
    "extra_forbidden": gettext_lazy("This is not one of the answers asked for."),
}


def _field_message(error: dict[str, Any]) -> str:
    """A field's message in the reader's language: pydantic's own are English only (atk5).
    A validator's own message (`value_error`, e.g. "not a URL: …") is kept as it says."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    value = error.get("input")
    message = str(_FIELD_MESSAGES.get(kind, "")) or None
    if kind == "value_error":
        message = str(error.get("msg", ""))
    elif kind == "string_too_long" and isinstance(value, str):
        limits = {"limit_value": ctx.get("max_length", 0), "show_value": len(value)}
        message = str(TOO_LONG) % limits
    elif kind == "too_long" and "max_length" in ctx:
        message = _("Please send at most %(limit_value)d.") % {"limit_value": ctx["max_length"]}
    elif kind == "enum" and "expected" in ctx:
        message = _("Please choose one of: %(choices)s.") % {"choices": ctx["expected"]}
    return message or _("Please check this answer.")


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        fields.setdefault(".".join(loc) or "body", []).append(_field_message(error))
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
    if exc.status_code == 400:  # ninja's "Cannot parse request body" (not JSON, not UTF-8)
        return _error(
            request, 400, "invalid", _("We could not read what was sent. Please try again.")
        )
    return _error(request, exc.status_code, "http_error", str(exc))
