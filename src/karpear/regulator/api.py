"""The regulator's API for companies (issue #20): `POST /api/v1/regulator/submissions`,
`GET /api/v1/regulator/requests`, `POST /api/v1/regulator/requests/{id}/answer`.

Authenticated with the key the regulator issued to the company (scope `company`); each key
reaches only its own company's submissions and requests.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from pydantic import ConfigDict, Field, StrictStr

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import ScopedKey
from karpear.core.errors import NotFound
from karpear.regulator.models import Channel, RegisteredCompany
from karpear.regulator.receipt import submission_receive
from karpear.regulator.registry import company_for_api_key
from karpear.regulator.rfi import decode_files, rfi_answer_record, rfis_for
from karpear.reports.api import ErrorOut

router = Router(tags=["regulator"], auth=ScopedKey(Scope.COMPANY))


ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class SubmissionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    period: Annotated[StrictStr, Field(min_length=4, max_length=16)]
    # The signed envelope {payload, signature, key_id, public_key}; the payload follows
    # docs/compliance-package.schema.json. Checked against the key the regulator registered.
    package: dict[str, Any]
    # The latest published transparency report's JSON (karpear-transparency-report/1).
    transparency: dict[str, Any] | None = None


class SubmissionOut(Schema):
    id: int
    sha256: str
    period: str
    received_at: datetime
    repeat: bool


class FileInSchema(Schema):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[StrictStr, Field(max_length=200)]
    content_type: Annotated[StrictStr, Field(max_length=100)]
    data: StrictStr  # base64


class AnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")
    answer: Annotated[StrictStr, Field(min_length=1, max_length=20_000)]
    answered_by: Annotated[StrictStr, Field(max_length=200)] = ""
    files: Annotated[list[FileInSchema], Field(max_length=5)] = []


class RequestOut(Schema):
    id: int
    item_ref: str
    question: str
    deadline: date
    sent_at: datetime
    overdue: bool
    answer: str
    answered_at: datetime | None


class RequestsOut(Schema):
    requests: list[RequestOut]


def _company(request: HttpRequest) -> RegisteredCompany:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    company = company_for_api_key(key.pk)
    if company is None or company.regulator_id != key.organisation_id:
        raise NotFound(_("This key belongs to no registered company."), code="not_registered")
    return company


def _request_out(rfi: Any) -> RequestOut:
    from karpear.regulator.rfi import is_overdue

    return RequestOut(
        id=rfi.pk,
        item_ref=rfi.item_ref,
        question=rfi.question,
        deadline=rfi.deadline,
        sent_at=rfi.sent_at,
        overdue=is_overdue(rfi.deadline, rfi.answered_at),
        answer=rfi.answer,
        answered_at=rfi.answered_at,
    )


@router.post(
    "/regulator/submissions",
    response={200: SubmissionOut, 201: SubmissionOut, 422: ErrorOut, 413: ErrorOut, **ERRORS},
    summary="Submit a signed compliance package (and transparency report) to the regulator",
    description="201 when stored, 200 for the same body again. 422 with a machine-readable "
    "`code`: unknown_period, not_signed, other_company, no_key, bad_signature, revoked_key, "
    "retired_key, schema (with `fields`), wrong_period, older_than_last, transparency_invalid.",
)
def submit(request: HttpRequest, payload: SubmissionIn) -> tuple[int, SubmissionOut]:
    company = _company(request)
    submission, created = submission_receive(
        company=company,
        period_label=payload.period,
        envelope=payload.package,
        transparency=payload.transparency,
        channel=Channel.API,
        request=request,
    )
    return (201 if created else 200), SubmissionOut(
        id=submission.pk,
        sha256=submission.sha256,
        period=submission.period.label,
        received_at=submission.received_at,
        repeat=not created,
    )


@router.get(
    "/regulator/requests",
    response={200: RequestsOut, **ERRORS},
    summary="The regulator's requests for information to your company",
)
def list_requests(request: HttpRequest) -> RequestsOut:
    return RequestsOut(requests=[_request_out(r) for r in rfis_for(_company(request))])


@router.post(
    "/regulator/requests/{request_id}/answer",
    response={200: RequestOut, 201: RequestOut, 409: ErrorOut, 413: ErrorOut, **ERRORS},
    summary="Answer a request for information (text and files as base64)",
    description="201 when recorded, 200 for the same answer again, 409 when another answer "
    "was already recorded.",
)
def answer(request: HttpRequest, request_id: int, payload: AnswerIn) -> tuple[int, RequestOut]:
    company = _company(request)
    rfi, created = rfi_answer_record(
        rfi_id=request_id,
        company=company,
        text=payload.answer,
        files=decode_files([f.dict() for f in payload.files]),
        answered_by=payload.answered_by,
        request=request,
    )
    return (201 if created else 200), _request_out(rfi)
