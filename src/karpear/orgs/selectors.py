"""What public pages read of an organisation: where its pages are (for links that leave the
server: e-mails, notices to account holders, QR codes, status URLs, drafted policies)."""

from __future__ import annotations

from typing import overload

from django.conf import settings
from django.http import HttpRequest

from karpear.orgs.models import Organisation


def public_base_url(
    organisation: Organisation, *, request: HttpRequest | None = None
) -> str | None:
    """The public address of the organisation's portal, without a trailing slash.

    1. The organisation's own host name, over https: in a deployment serving several
       organisations the host is what selects the organisation (orgs/services.py
       `organisation_for_host`), so a link under any other host would open another one's
       portal.
    2. KARPEAR_PUBLIC_BASE_URL, for an organisation without a host name of its own (a
       single-company install behind its public address).
    3. The scheme and host the request came in on, where there is a request.
    4. None: nothing says where the portal is; the caller words it without an address.
    """
    if organisation.domain:
        return f"https://{organisation.domain}"
    configured = str(getattr(settings, "KARPEAR_PUBLIC_BASE_URL", "") or "").strip()
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return None


@overload
def public_url(organisation: Organisation, path: str, *, request: HttpRequest) -> str: ...
@overload
def public_url(organisation: Organisation, path: str, *, request: None = None) -> str | None: ...
def public_url(
    organisation: Organisation, path: str, *, request: HttpRequest | None = None
) -> str | None:
    """The full address of `path` (a path from `reverse`, query string allowed) on the
    organisation's portal; None where `public_base_url` is None."""
    base = public_base_url(organisation, request=request)
    if base is None:
        return None
    return base + "/" + path.lstrip("/")

