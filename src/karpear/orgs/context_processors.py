from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from karpear.orgs.selectors import page_help_contacts
from karpear.orgs.services import NoOrganisation, current_organisation


def organisation(request: HttpRequest) -> dict[str, Any]:
    """The organisation and its help contacts, for the "Get help now" block (cached in the
    process: orgs/selectors.py)."""
    try:
        org = current_organisation(request)
    except NoOrganisation:
        return {"organisation": None, "help_contacts": [], "languages": settings.LANGUAGES}
    return {"organisation": org, "help_contacts": page_help_contacts(org)}
