"""Template helpers for the public portal (issue #22): the quick exit and the helpline."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.conf import settings

from karpear.orgs.models import HelpContact

register = template.Library()


@register.simple_tag
def quick_exit_url() -> str:
    """Where "Leave now" goes: a neutral site that says nothing about what she was doing."""
    return str(settings.KARPEAR_QUICK_EXIT_URL)


@register.filter
def first_helpline(contacts: Iterable[HelpContact]) -> HelpContact | None:
    """The child helpline with a phone number (1280 in Cambodia), for the box before the form."""
    with_phone = [c for c in contacts if c.phone]
    helplines = [c for c in with_phone if c.kind == HelpContact.Kind.HELPLINE]
    chosen = helplines or with_phone
    return chosen[0] if chosen else None
