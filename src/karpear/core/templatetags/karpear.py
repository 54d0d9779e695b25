"""Template helpers for accessible forms and the language switch."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.forms import BoundField
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from karpear.core.visible import plain_link, reveal

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
        # The query string too: the splash page's ?url= is the page (issue #22, item 4).
        "url": translate_url(request.path, target)
        + (f"?{request.GET.urlencode()}" if request.GET else ""),
    }


@register.filter
def defang(url: str) -> str:
    """Show a reported link as inert text: hxxps://site[.]example/… (never clickable)."""
    text = url.replace("http://", "hxxp://").replace("https://", "hxxps://")
    head, sep, rest = text.partition("://")
    if not sep:
        return text.replace(".", "[.]", 1)
    host, slash, path = rest.partition("/")
    return f"{head}://{host.replace('.', '[.]')}{slash}{path}"


@register.filter
def visible(text: object) -> SafeString:
    """Reporter and platform text with invisible and bidi characters shown (core.visible)."""
    return reveal(text)


@register.filter
def visible_strict(text: object) -> SafeString:
    """Links, account names and identifiers: every hidden character shown (core.visible)."""
    return reveal(text, strict=True)


@register.filter
def copyable(url: str) -> str:
    """A link to copy: hidden characters percent-encoded, so it is what it looks like."""
    return plain_link(url)


@register.filter
def link_host(url: str) -> str:
    """Only the inert host of a reported link, for staff who may not see the exact link."""
    rest = url.partition("://")[2] or url
    host = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    return f"{host.replace('.', '[.]')}/…"


@register.simple_tag
def due(deadline: datetime, now: datetime) -> dict[str, object]:
    """Time left until a deadline, or how long it is overdue, for the queue."""
    seconds = int((deadline - now).total_seconds())
    minutes = abs(seconds) // 60
    if minutes >= 60:
        text = _("%(hours)d h %(minutes)02d min") % {
            "hours": minutes // 60,
            "minutes": minutes % 60,
        }
    else:
        text = _("%(minutes)d min") % {"minutes": minutes}
    return {"overdue": seconds < 0, "text": text}


@register.filter
def label(value: str, kind: str) -> str:
    """The translated label of a stored code: {{ code|label:"state" }}."""
    from karpear.core.labels import LABELS

    choices = LABELS[kind]  # registered by the owning apps (cases: state, category, channel)
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register.filter
def get_item(mapping: object, key: object) -> object:
    """`mapping[key]` in a template (`{{ labels|get_item:code }}`): the one lookup filter of
    every app. Empty where the key is missing or there is no mapping, so a loop over it runs
    zero times and `{{ labels|get_item:code|default:code }}` shows the raw code instead."""
    getter = getattr(mapping, "get", None)
    return getter(key, "") if callable(getter) else ""
