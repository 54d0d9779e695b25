from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from karpear.orgs.services import NoOrganisation, current_organisation, help_contacts


def organisation(request: HttpRequest) -> dict[str, Any]:
    """The organisation and its help contacts, for the "Get help now" block."""
    try:
        org = current_organisation(request)
    except NoOrganisation:
        return {"organisation": None, "help_contacts": [], "languages": settings.LANGUAGES}
    return {"organisation": org, "help_contacts": help_contacts(org)}
