"""Lookups the document templates need (nested JSON by two keys)."""

from __future__ import annotations

from typing import Any

from django import template

from karpear.documents.models import DocumentVersion

register = template.Library()


@register.simple_tag
def figures(doc: DocumentVersion, audience: str, lang: str) -> dict[str, Any]:
    return dict(doc.readability.get(audience, {}).get(lang, {}))


@register.simple_tag
def text_of(texts: dict[str, dict[str, str]], audience: str, lang: str) -> str:
    return str(texts.get(audience, {}).get(lang, ""))
