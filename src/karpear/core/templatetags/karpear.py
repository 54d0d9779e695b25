"""Template helpers for accessible forms and the language switch."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def field_widget(field: BoundField) -> SafeString:
    """Render a widget tied to its hint and error, and marked invalid when it is."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        described.append(f"{field.auto_id}_error")
    attrs: dict[str, str | bool] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def other_language(context: template.Context) -> dict[str, str]:
    """The other language's code, name and the same page's URL in it."""
    request: HttpRequest = context["request"]
    target = "en" if get_language() == "km" else "km"
    return {
        "code": target,
        "name": "English" if target == "en" else "ភាសាខ្មែរ",
        "url": translate_url(request.path, target),
    }
