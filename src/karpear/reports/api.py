"""In-app reporting API (issue #2, item 13): the form's rules behind JSON."""

from __future__ import annotations

import json
from datetime import date, time
from typing import Annotated

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import ConfigDict, Field, StrictBool, StrictStr

from karpear.apikeys.models import Scope
from karpear.apikeys.services import KeyRefused, apikey_check
from karpear.core.clients import client_key
from karpear.core.errors import ApplicationError
from karpear.core.ratelimit import enforce
from karpear.orgs.models import Organisation
from karpear.orgs.selectors import public_url
from karpear.orgs.services import current_organisation
from karpear.reports.models import Category, Channel, PublicStatus
from karpear.reports.rules import ContactData, ReportData, ReportInvalid, report_data_check
from karpear.reports.services import report_public_status, report_submit

router = Router(tags=["reports"])


# The texts' lengths are the page form's (reports/rules.py `MAX_LENGTHS`), counted as it counts
# them, after the surrounding blanks, and refused with its message: a pydantic max_length here
# counted the blanks and answered in English (atk5). The body's own limit bounds them first.
class ContactIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: StrictStr = Field("", description="At most 100 letters.")
    phone: StrictStr = Field("", description="At most 20 characters.")
    email: StrictStr = Field("", description="At most 254 characters.")


class ReportIn(Schema):
    """A report from the company's app. Omit `contact` to stay anonymous."""

    model_config = ConfigDict(extra="forbid")
    links: list[StrictStr] = Field(
        [], description="At most 20 links (blank ones aside), each at most 2048 characters."
    )
    app_name: StrictStr = Field("", description="At most 100 letters.")
    account_name: StrictStr = Field("", description="At most 200 letters.")
    category: Category
    seen_on: date | None = None
    seen_at_time: time | None = None
    seen_approximate: StrictBool = False
    description: StrictStr = Field("", description="At most 2000 letters.")
    reporter_is_child: StrictBool | None = None
    contact: ContactIn | None = None
    platform_content_id: Annotated[StrictStr, Field(max_length=200)] = ""


class ReportCreated(Schema):
    reference: str
    status: PublicStatus
    status_url: str
    received_at: str
    response_hours: int


class ReportStatusOut(Schema):
    reference: str
    status: PublicStatus


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class ErrorOut(Schema):
    error: ErrorBody


def _report_data(payload: ReportIn) -> ReportData:
    """The payload by the page form's rules (reports/rules.py), without a Django form: pydantic
    has checked the types and sizes; the same rules then refuse the same inputs with the
    same messages as the page (issue #24, u2)."""
    contact = payload.contact
    try:
        return report_data_check(
            links=payload.links,
            app_name=payload.app_name,
            account_name=payload.account_name,
            category=payload.category.value,
            seen_on=payload.seen_on,
            seen_at_time=payload.seen_at_time,
            seen_approximate=payload.seen_approximate,
            description=payload.description,
            reporter_is_child=payload.reporter_is_child,
            contact=None
            if contact is None
            else ContactData(name=contact.name, phone=contact.phone, email=contact.email),
            platform_content_id=payload.platform_content_id,
        )
    except ReportInvalid as exc:
        raise ApplicationError(
            _("Some answers need to be checked."), code="invalid", fields=exc.fields
        ) from None


IDEMPOTENCY_KEY_MAX = 200


@router.post(
    "/reports",
    response={
        201: ReportCreated,
        200: ReportCreated,
        400: ErrorOut,
        401: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        429: ErrorOut,
    },
    summary="Send a report from the company's app",
    description="Send an `Idempotency-Key` header (at most 200 characters) to make retries "
    "safe: the same key from the same caller with the same body returns the first report "
    "(200) instead of creating another; the same key with a different body is refused with "
    "409 `idempotency_key_reused`. A key is bound to its caller (the API key, or for an app "
    "without one the client's address) and never returns another caller's report.",
)
def create_report(request: HttpRequest, payload: ReportIn) -> tuple[int, ReportCreated]:
    org, caller = _caller(request)
    enforce(request, "report", settings.KARPEAR_RATE_REPORTS)
    token = _idempotency_key(request)
    data = _report_data(payload)
    report, created = report_submit(
        organisation=org,
        channel=Channel.IN_APP,
        data=data,
        submission_token=token,
        caller=caller,
        fingerprint=_fingerprint(payload) if token else "",  # only a key is compared
        reporter=caller,  # the API key or the keyed client hash: the isolation abuse guard
    )
    path = _status_path(report.reference)
    return (201 if created else 200), ReportCreated(
        reference=report.reference,
        status=PublicStatus(report.status),
        status_url=public_url(org, path, request=request),
        received_at=report.received_at.isoformat(),
        response_hours=org.response_hours,
    )


_SAMPLE_REFERENCE = "0000-0000-0000"
_STATUS_PATHS: dict[tuple[str, object], tuple[str, str]] = {}


def _status_path(reference: str) -> str:
    """reverse("api-1:report_status") for `reference`, resolved once per script prefix and
    URLconf (issue #24, u2: reversing was 5 % of a report's CPU). A reference is letters,
    digits and dashes, which the URL takes as they are."""
    key = (get_script_prefix(), get_urlconf())
    parts = _STATUS_PATHS.get(key)
    if parts is None:
        path = reverse("api-1:report_status", kwargs={"reference": _SAMPLE_REFERENCE})
        head, _sep, tail = path.partition(_SAMPLE_REFERENCE)
        parts = _STATUS_PATHS[key] = (head, tail)
    return parts[0] + reference + parts[1]


def _idempotency_key(request: HttpRequest) -> str:
    """The Idempotency-Key header; a longer one is refused, not cut (two keys cut to one
    would collide and answer 409 to an honest retry)."""
    token = request.headers.get("Idempotency-Key", "").strip()
    if len(token) > IDEMPOTENCY_KEY_MAX:
        raise ApplicationError(
            _("Some answers need to be checked."),
            code="invalid",
            fields={"Idempotency-Key": [_("At most 200 characters.")]},
        )
    return token


def _fingerprint(payload: ReportIn) -> str:
    """HMAC-SHA256 of the canonical body: the parsed fields with defaults filled in, as JSON
    with sorted keys, so key order, spacing and omitted defaults do not count as a change.

    Keyed (SECRET_KEY), not a bare SHA-256: the body holds the reporter's contact details,
    which are stored encrypted, and a bare hash of a short body would let someone holding a
    copy of the database test guesses of a phone number against it.
    """
    canonical = json.dumps(
        payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return salted_hmac(
        "karpear.reports.idempotency-body", canonical, algorithm="sha256"
    ).hexdigest()


def _caller(request: HttpRequest) -> tuple[Organisation, str]:
    """The organisation and who is calling, for binding an Idempotency-Key to its caller.

    A platform key, when sent, decides the organisation and is the caller;
    otherwise the host decides the organisation and the caller is the keyed
    client hash the rate limiter uses (never the raw address). A key that is
    sent but not valid is refused, never silently ignored.
    """
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer":
            raise KeyRefused(_("A valid API key is needed."))
        key = apikey_check(token.strip(), frozenset({Scope.PLATFORM}))
        return key.organisation, f"key:{key.pk}"
    return current_organisation(request), f"client:{client_key(request)}"


@router.get(
    "/reports/{reference}",
    response={200: ReportStatusOut, 404: ErrorOut, 429: ErrorOut},
    url_name="report_status",
    summary="The coarse status of a report",
)
def get_report_status(request: HttpRequest, reference: str) -> ReportStatusOut:
    org = current_organisation(request)
    enforce(request, "status", settings.KARPEAR_RATE_STATUS)
    parsed, status = report_public_status(organisation=org, reference=reference)
    return ReportStatusOut(reference=parsed, status=PublicStatus(status))
