"""`POST /api/v1/evidence`: the platform uploads content it was asked to preserve."""

from __future__ import annotations

import json
from datetime import datetime

from django.http import HttpRequest
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import ScopedKey
from karpear.core.errors import ApplicationError
from karpear.evidence.services import evidence_capture

router = Router(tags=["evidence"], auth=ScopedKey(Scope.PLATFORM))


class EvidenceOut(Schema):
    id: int
    case_id: int
    sha256: str
    md5: str
    size: int
    content_type: str
    captured_at: datetime
    retention_until: datetime


@router.post(
    "/evidence",
    response={201: EvidenceOut},
    summary="Upload content and its metadata for preservation (after content.preserve)",
)
def upload_evidence(
    request: HttpRequest, case_id: Form[int], file: File[UploadedFile], metadata: Form[str] = "{}"
) -> tuple[int, EvidenceOut]:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    try:
        meta = json.loads(metadata or "{}")
    except ValueError as exc:
        raise ApplicationError(
            "metadata must be a JSON object", code="invalid", fields={"metadata": ["not JSON"]}
        ) from exc
    if not isinstance(meta, dict):
        raise ApplicationError(
            "metadata must be a JSON object", code="invalid", fields={"metadata": ["not an object"]}
        )
    item = evidence_capture(
        organisation=key.organisation,
        case_id=case_id,
        content=file.read(),
        content_type=file.content_type or "",
        metadata=meta,
        source="platform",
        actor=f"platform key {key.name}",
    )
    return 201, EvidenceOut(
        id=item.pk,
        case_id=item.case_id,
        sha256=item.sha256,
        md5=item.md5,
        size=item.size,
        content_type=item.content_type,
        captured_at=item.captured_at,
        retention_until=item.retention_until,
    )
