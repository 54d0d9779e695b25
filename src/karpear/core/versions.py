"""Numbered versions of texts a company adopts, kept one row per version.

The compliance policies (compliance/policies.py), the safeguarding policy and code of conduct
(safeguarding/documents.py) and the documents children read (documents/services.py) are each
drafted by Karpear, edited, and adopted as version 1, 2, ... per organisation and kind. The
numbering, the bilingual text checks and "the newest version of each kind" live here once.
Core imports no capability app (tests/core/test_core_imports.py): callers pass their model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models
from django.db.models import Max, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from karpear.core.errors import ApplicationError
from karpear.core.models import AdoptedText

M = TypeVar("M", bound=models.Model)
T = TypeVar("T", bound=AdoptedText)

MAX_BILINGUAL_CHARS = 50_000
LANGUAGES = ("en", "km")


def draft_bilingual(
    template: str, kinds: Iterable[str], context: dict[str, Any]
) -> dict[str, dict[str, str]]:
    """{kind: {language: text}}: template.format(kind=..., lang=...) rendered with the
    organisation's settings in context, each in its own language, so a label the template
    shows (an issuer's kind, a course) is Khmer in the Khmer text whatever the desk's
    language."""
    drafts: dict[str, dict[str, str]] = {}
    for kind in kinds:
        drafts[kind] = {}
        for lang in LANGUAGES:
            with translation.override(lang):
                drafts[kind][lang] = render_to_string(
                    template.format(kind=kind, lang=lang), context
                ).strip()
    return drafts


def next_version(rows: QuerySet[Any]) -> int:
    """One more than the highest `version` among rows; 1 for the first.

    Pass rows `select_for_update()` to number under a lock, or let a unique constraint on the
    version settle two adoptions at the same moment.
    """
    return (rows.aggregate(v=Max("version"))["v"] or 0) + 1


def latest_by_kind(rows: QuerySet[M]) -> dict[str, M]:
    """{kind: the row with the highest version of that kind} among rows."""
    latest: dict[str, M] = {}
    for row in rows.order_by("kind", "-version"):
        latest.setdefault(row.serializable_value("kind"), row)
    return latest


def adopt_bilingual(
    model: type[T],
    *,
    organisation: Any,
    kind: str,
    body_en: str,
    body_km: str,
    adopted_by: Any,
) -> T:
    """Check both texts, then store them as the next version of `kind` of an AdoptedText
    model.

    1. Each language must be written and at most MAX_BILINGUAL_CHARS long, else
       ApplicationError with the field names body_en / body_km.
    2. The text is stored stripped, with Windows line ends made plain.

    Lock: the organisation's rows of this kind FOR UPDATE, so two adoptions at once are
    numbered one after the other. Call inside a transaction; the caller audits.
    """
    errors = {
        name: [str(_("Write the policy in this language (at most 50,000 characters)."))]
        for name, body in (("body_en", body_en), ("body_km", body_km))
        if not body.strip() or len(body) > MAX_BILINGUAL_CHARS
    }
    if errors:
        raise ApplicationError(_("The policy was not adopted."), fields=errors)
    rows = model._default_manager.filter(organisation=organisation, kind=kind)
    return rows.create(
        organisation=organisation,
        kind=kind,
        version=next_version(rows.select_for_update()),
        body_en=body_en.strip().replace("\r\n", "\n"),
        body_km=body_km.strip().replace("\r\n", "\n"),
        adopted_by=adopted_by,
        adopted_at=timezone.now(),
    )
