"""`POST /api/v1/notices`, `POST /api/v1/notices/batch`, `POST /api/v1/notices/{id}/items`,
`GET /api/v1/notices/{id}`.

For authorised issuers (issue #4); conflicts and amendments: issue #15, item 5; the batch form
for bursts: issue #24.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import ConfigDict, Field, StrictStr, field_validator, model_validator

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import ScopedKey
from karpear.core.errors import ApplicationError
from karpear.links.canonical import MalformedURL, canonicalize_site
from karpear.notices.models import Action, ItemStatus, Notice, NoticeItem
from karpear.notices.services import (
    ISSUER_WITH_KEY,
    ItemIn,
    NoticeSpec,
    access_notice,
    issuer_for_key,
    notice_amend,
    notice_receive_items,
    notices_receive,
)

# The key's issuer is read with the key, in one statement (issue #24).
router = Router(tags=["notices"], auth=ScopedKey(Scope.ISSUER, join=ISSUER_WITH_KEY))


class NoticeItemIn(Schema):
    """One piece of content: a URL and/or the platform's content ID; optionally the user."""

    model_config = ConfigDict(extra="forbid")
    url: Annotated[StrictStr, Field(max_length=2048)] = ""
    platform_content_id: Annotated[StrictStr, Field(max_length=200)] = ""
    user_id: Annotated[StrictStr, Field(max_length=200)] = ""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value:
            try:
                canonicalize_site(value)
            except MalformedURL as exc:
                raise ValueError(f"not a URL: {exc.reason}") from exc
        return value

    @model_validator(mode="after")
    def _something(self) -> NoticeItemIn:
        if not self.url and not self.platform_content_id:
            raise ValueError("give a url or a platform_content_id")
        return self


class NoticeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    issuer_reference: Annotated[StrictStr, Field(min_length=1, max_length=100)]
    legal_basis: Annotated[StrictStr, Field(min_length=1, max_length=500)]
    items: Annotated[list[NoticeItemIn], Field(min_length=1)]
    actions: Annotated[list[Action], Field(min_length=1)] = [Action.TAKEDOWN, Action.PRESERVE]
    deadline: datetime | None = None

    @field_validator("deadline")
    @classmethod
    def _deadline(cls, value: datetime | None) -> datetime | None:
        """A time both databases can hold: stored in UTC, it must stay within years 1-9999.
        PostgreSQL stored "0001-01-01T00:00:00+14:00" (SQLite refused it), and then no read of
        the notice worked: the issuer's GET and retry, and the desk's notices page, were 400."""
        if value is not None:
            try:
                aware = value if timezone.is_aware(value) else timezone.make_aware(value)
                aware.astimezone(UTC)
            except (OverflowError, ValueError) as exc:
                raise ValueError("not a time that can be kept (out of range in UTC)") from exc
        return value


class NoticeItemsIn(Schema):
    """Items to add to a notice already sent (an amendment)."""

    model_config = ConfigDict(extra="forbid")
    items: Annotated[list[NoticeItemIn], Field(min_length=1)]


class NoticeErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class NoticeErrorOut(Schema):
    error: NoticeErrorBody


class NoticeDifferences(Schema):
    items_added: list[dict[str, str]]
    items_missing: list[dict[str, str]]
    changed: list[str]


class NoticeConflictBody(Schema):
    code: str
    message: str
    notice_id: int
    differences: NoticeDifferences


class NoticeConflictOut(Schema):
    error: NoticeConflictBody


ERRORS: dict[int, type[Schema]] = {
    400: NoticeErrorOut,
    401: NoticeErrorOut,
    403: NoticeErrorOut,
    404: NoticeErrorOut,
    413: NoticeErrorOut,
}


class NoticeItemOut(Schema):
    position: int
    url: str
    platform_content_id: str
    status: ItemStatus
    case_id: int | None
    acted_at: datetime | None
    platform_confirmed_at: datetime | None
    added_at: datetime | None


class NoticeOut(Schema):
    id: int
    issuer: str
    issuer_reference: str
    legal_basis: str
    actions: list[str]
    received_at: datetime
    acted_at: datetime | None
    items: list[NoticeItemOut]


def _out(notice: Notice, items: list[NoticeItem] | None = None) -> NoticeOut:
    """The issuer's view of a notice; `items` when the caller has them already (as written)."""
    return NoticeOut(
        id=notice.pk,
        issuer=notice.issuer.name,
        issuer_reference=notice.issuer_reference,
        legal_basis=notice.legal_basis,
        actions=list(notice.actions),
        received_at=notice.received_at,
        acted_at=notice.acted_at,
        items=[
            NoticeItemOut(
                position=i.position,
                url=i.url,
                platform_content_id=i.platform_content_id,
                status=ItemStatus(i.status),
                case_id=i.case_id,
                acted_at=i.acted_at,
                platform_confirmed_at=i.platform_confirmed_at,
                added_at=i.added_at,
            )
            for i in (notice.items.all() if items is None else items)
        ],
    )


def _check_size(items: list[NoticeItemIn]) -> None:
    if len(items) > settings.KARPEAR_NOTICE_MAX_ITEMS:
        raise ApplicationError(
            _("A notice may list at most %(n)d items; send several notices.")
            % {"n": settings.KARPEAR_NOTICE_MAX_ITEMS},
            code="too_many_items",
            status=413,
        )


def _items(items: list[NoticeItemIn]) -> list[ItemIn]:
    return [
        ItemIn(url=i.url, platform_content_id=i.platform_content_id, user_id=i.user_id)
        for i in items
    ]


@router.post(
    "/notices",
    response={201: NoticeOut, 200: NoticeOut, 409: NoticeConflictOut, **ERRORS},
    summary="Send a takedown notice; acted on at once",
    description="The same issuer_reference sent again with the same items, actions, legal "
    "basis and deadline returns the first result (200) and acts only once. With anything "
    "different it answers 409 `notice_reference_conflict` with the existing `notice_id` and "
    "what differs, and does nothing: add items with `POST /notices/{id}/items`, or use a new "
    "issuer_reference.",
)
def create_notice(request: HttpRequest, payload: NoticeIn) -> tuple[int, NoticeOut]:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    _check_size(payload.items)
    notice, created, rows = notice_receive_items(
        issuer=issuer_for_key(key),
        issuer_reference=payload.issuer_reference,
        legal_basis=payload.legal_basis,
        items=_items(payload.items),
        actions=list(payload.actions),
        deadline=payload.deadline,
    )
    return (201 if created else 200), _out(notice, rows)


class NoticeBatchIn(Schema):
    """Several notices in one request, each acted on and answered as if sent alone."""

    model_config = ConfigDict(extra="forbid")
    notices: Annotated[list[NoticeIn], Field(min_length=1)]


class NoticeBatchResult(Schema):
    issuer_reference: str
    status: int  # 201 new, 200 the same notice again, 409 reference used for another notice
    notice: NoticeOut | None
    error: NoticeConflictBody | None


class NoticeBatchOut(Schema):
    results: list[NoticeBatchResult]


@router.post(
    "/notices/batch",
    response={200: NoticeBatchOut, **ERRORS},
    summary="Send several takedown notices in one request; each acted on at once",
    description="For bursts: up to KARPEAR_NOTICE_BATCH_MAX notices (100 by default) with at "
    "most KARPEAR_NOTICE_MAX_ITEMS items in all. Every notice is stored and acted on exactly "
    "as `POST /notices` would, in one transaction committed before the answer; `results` "
    "answers each notice in the order sent, with the status `POST /notices` would have given "
    "it (201, 200, or 409 with `error`). A malformed notice refuses the whole batch (400, "
    "nothing done), so fix it and send the batch again: notices already created answer 200.",
)
def create_notices(request: HttpRequest, payload: NoticeBatchIn) -> NoticeBatchOut:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    if len(payload.notices) > settings.KARPEAR_NOTICE_BATCH_MAX:
        raise ApplicationError(
            _("A batch may hold at most %(n)d notices; send several batches.")
            % {"n": settings.KARPEAR_NOTICE_BATCH_MAX},
            code="too_many_notices",
            status=413,
        )
    _check_size([item for notice in payload.notices for item in notice.items])
    results = notices_receive(
        issuer=issuer_for_key(key),
        notices=[
            NoticeSpec(
                issuer_reference=n.issuer_reference,
                legal_basis=n.legal_basis,
                items=_items(n.items),
                actions=list(n.actions),
                deadline=n.deadline,
            )
            for n in payload.notices
        ],
    )
    return NoticeBatchOut(
        results=[
            NoticeBatchResult(
                issuer_reference=n.issuer_reference,
                status=409 if r.conflict else 201 if r.created else 200,
                notice=_out(r.notice, r.items) if r.notice else None,
                error=NoticeConflictBody(**r.conflict.as_dict()["error"]) if r.conflict else None,
            )
            for n, r in zip(payload.notices, results, strict=True)
        ]
    )


@router.post(
    "/notices/{notice_id}/items",
    response={201: NoticeOut, 200: NoticeOut, **ERRORS},
    summary="Amend a notice: add items, acted on at once",
    description="Adds items to one of your own notices and acts on them at once, exactly like "
    "the notice's first items (same actions and legal basis). Items the notice already has "
    "(same canonical URL, content ID and user) are left alone, so a retried amendment acts "
    "once: 201 when items were added, 200 when there was nothing new. Another issuer's "
    "notice is 404.",
)
def amend_notice(
    request: HttpRequest, notice_id: int, payload: NoticeItemsIn
) -> tuple[int, NoticeOut]:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    _check_size(payload.items)
    notice, added = notice_amend(
        issuer=issuer_for_key(key), notice_id=notice_id, items=_items(payload.items)
    )
    return (201 if added else 200), _out(notice)


@router.get(
    "/notices/{notice_id}",
    response={200: NoticeOut, **ERRORS},
    summary="The state of each item",
)
def get_notice(request: HttpRequest, notice_id: int) -> NoticeOut:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    return _out(access_notice(issuer=issuer_for_key(key), notice_id=notice_id))
