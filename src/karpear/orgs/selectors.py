"""What public pages read of an organisation: where its pages are (for links that leave the
server: e-mails, notices to account holders, QR codes, status URLs, drafted policies), and its
help contacts (the "Get help now" block on every public page)."""

from __future__ import annotations

import threading
import time
from typing import overload

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest

from karpear.orgs.models import HelpContact, Organisation
from karpear.orgs.services import help_contacts


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


# Organisation pk -> its help contacts, cached in each process: every public page shows them,
# and they change a few times a year (issue #24 follow-up: one query less on every page). A
# contact's or an organisation's save or delete clears this process's cache at once (signals
# below); other processes see the change within KARPEAR_ORG_HOST_CACHE_SECONDS, the staleness
# already allowed for the organisation a host selects (docs/operations.md, "Hot paths").
_CONTACTS: dict[int, tuple[float, tuple[HelpContact, ...]]] = {}
_CONTACTS_LOCK = threading.Lock()


def help_contacts_cache_clear(**_: object) -> None:
    with _CONTACTS_LOCK:
        _CONTACTS.clear()


for _sender in (HelpContact, Organisation):
    post_save.connect(help_contacts_cache_clear, sender=_sender, dispatch_uid="orgs-contacts")
    post_delete.connect(help_contacts_cache_clear, sender=_sender, dispatch_uid="orgs-contacts")


def page_help_contacts(organisation: Organisation) -> list[HelpContact]:
    """The organisation's help contacts for a public page, from this process's cache. The
    rows are shared between requests: read them, never change them."""
    now = time.monotonic()
    hit = _CONTACTS.get(organisation.pk)
    if hit is not None and hit[0] > now:
        return list(hit[1])
    contacts = tuple(help_contacts(organisation))
    ttl = float(settings.KARPEAR_ORG_HOST_CACHE_SECONDS)
    if ttl > 0:
        with _CONTACTS_LOCK:
            _CONTACTS[organisation.pk] = (now + ttl, contacts)
    return list(contacts)
