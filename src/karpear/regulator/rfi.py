"""Requests for information, regulator to company (issue #20, item 5).

The regulator asks about a submission (optionally one checklist item) with a deadline. Within one
deployment the request reaches the company's Compliance page in the same transaction; across
deployments the company's Karpear fetches it with the key the regulator issued
(`GET /api/v1/regulator/requests`) and answers with text and files
(`POST /api/v1/regulator/requests/{id}/answer`). An answer is recorded once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# An answer's files are the kinds the company keeps as compliance evidence, with its limit.
from karpear.compliance.services import FILE_TYPES, MAX_FILE_BYTES
from karpear.core.errors import ApplicationError, NotFound
from karpear.orgs.models import Organisation
from karpear.regulator.common import REVIEWERS, audit, require
from karpear.regulator.models import (
    AnswerFile,
    InformationRequest,
    ReceivedRequest,
    RegisteredCompany,
    Submission,
)
from karpear.staff.models import StaffMember

logger = logging.getLogger(__name__)
MAX_QUESTION = 5_000
MAX_ANSWER = 20_000
MAX_FILES = 5


@dataclass(frozen=True)
class FileIn:
    name: str
    content_type: str
    data: bytes


def is_overdue(deadline: date, answered_at: Any) -> bool:
    return answered_at is None and deadline < timezone.localdate()


@transaction.atomic
def rfi_send(
    *,
    member: StaffMember,
    company_id: int,
    question: str,
    deadline: date,
    submission_id: int | None = None,
    item_ref: str = "",
    request: HttpRequest | None = None,
) -> InformationRequest:
    regulator = require(member, REVIEWERS)
    company = RegisteredCompany.objects.filter(regulator=regulator, pk=company_id).first()
    if company is None:
        # Guidelines section 3 covers registered companies only: nobody else is asked.
        logger.warning(
            "request for information refused: company %s is not in the registry", company_id
        )
        raise NotFound(_("There is no such company in the registry."))
    question = question.strip()
    errors: dict[str, list[str]] = {}
    if not question:
        errors["question"] = [str(_("Write the question."))]
    elif len(question) > MAX_QUESTION:
        errors["question"] = [str(_("This is too long."))]
    if deadline < timezone.localdate():
        errors["deadline"] = [str(_("The deadline cannot be in the past."))]
    submission = None
    if submission_id:
        submission = Submission.objects.filter(company=company, pk=submission_id).first()
        if submission is None:
            errors["submission"] = [str(_("Choose one of this company's submissions."))]
    item_ref = item_ref.strip()[:32]
    if item_ref and submission is not None and item_ref not in submission.summary["outcomes"]:
        errors["item_ref"] = [str(_("This item is not in the submission."))]
    if errors:
        raise ApplicationError(_("The request was not sent."), fields=errors)
    rfi = InformationRequest.objects.create(
        company=company,
        submission=submission,
        item_ref=item_ref,
        question=question,
        deadline=deadline,
        sent_by=member.user,
        sent_at=timezone.now(),
    )
    if company.local_organisation is not None:
        ReceivedRequest.objects.create(
            organisation=company.local_organisation,
            local_request=rfi,
            item_ref=item_ref,
            question=question,
            deadline=deadline,
            sent_at=rfi.sent_at,
        )
    audit(
        regulator=regulator,
        action="regulator_rfi_send",
        actor=member.user,
        object_type="information_request",
        object_id=rfi.pk,
        detail={"company": company.slug, "deadline": deadline.isoformat(), "item": item_ref},
        request=request,
    )
    return rfi


def clean_files(files: list[FileIn]) -> list[FileIn]:
    if len(files) > MAX_FILES:
        raise ApplicationError(
            _("Attach at most %(n)s files.") % {"n": MAX_FILES}, code="too_many_files"
        )
    clean: list[FileIn] = []
    for f in files:
        magic = FILE_TYPES.get(f.content_type)
        if not f.data or len(f.data) > MAX_FILE_BYTES:
            raise ApplicationError(
                _("Each file must be between 1 byte and 5 MB."), code="bad_file", status=413
            )
        if magic is None or not f.data.startswith(magic):
            raise ApplicationError(
                _("Attach a PDF, PNG, JPEG or plain text file."), code="bad_file"
            )
        if f.content_type == "text/plain":
            try:
                f.data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ApplicationError(_("A text file must be in UTF-8."), code="bad_file") from exc
        name = "".join(c for c in f.name if c.isprintable() and c not in '/\\"')[:200] or "file"
        clean.append(FileIn(name, f.content_type, f.data))
    return clean


def decode_files(raw: list[dict[str, str]]) -> list[FileIn]:
    """Files sent over the API as {name, content_type, data (base64)}."""
    files = []
    for f in raw[: MAX_FILES + 1]:
        try:
            data = base64.b64decode(f.get("data", ""), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ApplicationError(_("A file is not valid base64."), code="bad_file") from exc
        files.append(FileIn(str(f.get("name", "")), str(f.get("content_type", "")), data))
    return files


def _clean_answer(text: str) -> str:
    text = text.strip()
    if not text:
        raise ApplicationError(
            _("Write your answer."), fields={"answer": [str(_("Write your answer."))]}
        )
    if len(text) > MAX_ANSWER:
        raise ApplicationError(_("The answer is too long."), code="too_long")
    return text


@transaction.atomic
def rfi_answer_record(
    *,
    rfi_id: int,
    company: RegisteredCompany,
    text: str,
    files: list[FileIn],
    answered_by: str,
    request: HttpRequest | None = None,
) -> tuple[InformationRequest, bool]:
    """Record the company's answer once; the same answer again is a repeat, another is 409."""
    text = _clean_answer(text)
    files = clean_files(files)
    rfi = InformationRequest.objects.select_for_update().filter(pk=rfi_id, company=company).first()
    if rfi is None:
        raise NotFound(_("There is no such request."))
    if rfi.answered_at is not None:
        if rfi.answer == text:
            return rfi, False
        raise ApplicationError(
            _("This request has already been answered."), code="already_answered", status=409
        )
    rfi.answer = text
    rfi.answered_at = timezone.now()
    rfi.answered_by = answered_by.strip()[:200]
    rfi.save(update_fields=["answer", "answered_at", "answered_by"])
    AnswerFile.objects.bulk_create(
        AnswerFile(
            request=rfi,
            name=f.name,
            content_type=f.content_type,
            size=len(f.data),
            sha256=hashlib.sha256(f.data).hexdigest(),
            data=f.data,
        )
        for f in files
    )
    audit(
        regulator=company.regulator,
        action="regulator_rfi_answer",
        actor_label=f"company {company.slug}",
        object_type="information_request",
        object_id=rfi.pk,
        detail={"files": len(files), "late": rfi.deadline < timezone.localdate()},
        request=request,
    )
    return rfi, True


def rfis_for(company: RegisteredCompany) -> list[InformationRequest]:
    return list(InformationRequest.objects.filter(company=company).order_by("id")[:500])


def access_rfi(*, regulator: Organisation, rfi_id: int) -> InformationRequest:
    found = (
        InformationRequest.objects.filter(company__regulator=regulator, pk=rfi_id)
        .select_related("company", "submission")
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such request."))
    return found


def access_answer_file(*, regulator: Organisation, file_id: int) -> AnswerFile:
    found = AnswerFile.objects.filter(request__company__regulator=regulator, pk=file_id).first()
    if found is None:
        raise NotFound(_("There is no such file."))
    return found
