"""`POST /api/v1/hashes/check` for the platform (issue #6, item 7).

JSON `{"content_id": "...", "hashes": [{"type": "pdq", "value": "..."}]}`, or a multipart upload
with `content_id` and `file` (an image, hashed in memory and dropped). Both answer with the
matches, their bank, source, source ID, classification and distance, and the action taken.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import ScopedKey
from karpear.core.errors import ApplicationError
from karpear.hashes import services

router = Router(tags=["hashes"], auth=ScopedKey(Scope.PLATFORM))
MAX_UPLOAD = 20 * 1024 * 1024


class MatchOut(Schema):
    bank: str
    source: str
    source_id: str
    classification: str
    hash_type: str
    distance: int


class CheckOut(Schema):
    content_id: str
    matched: bool
    action: str
    case_id: int | None
    matches: list[MatchOut]
    pdq_quality: int | None = None
    pdq_matched: bool | None = None
    vpdq_matched: bool | None = None


@router.post(
    "/hashes/check",
    response=CheckOut,
    summary="Check content against the hash banks (JSON hashes or an image upload)",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "multipart/form-data": {"schema": {"type": "object"}},
            }
        }
    },
)
def check(request: HttpRequest) -> dict[str, Any]:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    if (request.content_type or "").startswith("multipart/"):
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError(_("Attach the image as the field 'file'."))
        if upload.size is not None and upload.size > MAX_UPLOAD:
            raise ApplicationError(_("The file is larger than 20 MB."), status=413)
        return services.check_upload(
            organisation=key.organisation,
            content_id=str(request.POST.get("content_id", "")),
            data=upload.read(MAX_UPLOAD + 1),
            content_type=upload.content_type or "",
        )
    try:
        body = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApplicationError(_("The body is not valid JSON.")) from exc
    if not isinstance(body, dict) or not isinstance(body.get("hashes"), list):
        raise ApplicationError(_("Send content_id and a list of hashes."))
    pairs = []
    for entry in body["hashes"]:
        if not isinstance(entry, dict):
            raise ApplicationError(_("Each hash is an object with type and value."))
        value = entry.get("value", "")
        if isinstance(value, list):  # vPDQ frames may come as a JSON list rather than a string
            value = json.dumps(value)
        pairs.append((str(entry.get("type", "")), str(value)))
    return services.check(
        organisation=key.organisation, content_id=str(body.get("content_id", "")), hashes=pairs
    )
