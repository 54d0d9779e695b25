"""Creating organisations and reading their public settings."""

from __future__ import annotations

import copy
import threading
import time

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import Http404, HttpRequest

from karpear.orgs.models import HelpContact, Organisation

# Defaults from the guidelines (2.6 referral pathways; the box on agency
# roles). Every deployment should confirm these with the services themselves;
# they are editable in the admin.
DEFAULT_HELP_CONTACTS: list[dict[str, str]] = [
    {
        "kind": HelpContact.Kind.HELPLINE,
        "name_en": "Child Helpline Cambodia",
        "name_km": "ខ្សែទូរស័ព្ទជំនួយកុមារកម្ពុជា",
        "phone": "1280",
        "note_en": "Free call, 24 hours a day",
        "note_km": "ហៅដោយឥតគិតថ្លៃ ២៤ ម៉ោង",
    },
    {
        "kind": HelpContact.Kind.HOTLINE,
        "name_en": "Internet Hotline Cambodia (APLE)",
        "name_km": "ខ្សែទូរស័ព្ទបន្ទាន់អ៊ីនធឺណិតកម្ពុជា (APLE)",
        "website": "www.internethotline.org.kh",
        "note_en": "Report sexual pictures of children online",
        "note_km": "រាយការណ៍រូបភាពផ្លូវភេទរបស់កុមារនៅលើអ៊ីនធឺណិត",
    },
    {
        "kind": HelpContact.Kind.POLICE,
        "name_en": "Police",
        "name_km": "នគរបាល",
        "phone": "117",
        "note_en": "If a child is in danger now",
        "note_km": "បើកុមារកំពុងមានគ្រោះថ្នាក់ឥឡូវនេះ",
    },
]


@transaction.atomic
def organisation_create(
    *,
    name: str,
    slug: str,
    name_km: str = "",
    domain: str | None = None,
    is_default: bool = False,
    response_hours: int = 24,
    kind: str = Organisation.Kind.COMPANY,
) -> Organisation:
    """Create an organisation with the default help contacts."""
    org = Organisation.objects.create(
        name=name,
        name_km=name_km,
        slug=slug,
        domain=(domain or None) and domain.lower(),
        is_default=is_default,
        response_hours=response_hours,
        kind=Organisation.Kind(kind),
    )
    HelpContact.objects.bulk_create(
        HelpContact(organisation=org, position=i, **contact)
        for i, contact in enumerate(DEFAULT_HELP_CONTACTS)
    )
    return org


# Host -> organisation, cached in each process (issue #24: one DB lookup per public request
# was 14 % of a report's time). An organisation's save or delete clears this process's cache
# at once (signal below); other processes see the change within KARPEAR_ORG_HOST_CACHE_SECONDS
# (docs/operations.md, "Hot paths"). Entries hold the organisation's pk and fields; callers
# get a copy, so a view that sets an attribute never leaks it into another request.
_HOST_CACHE: dict[str, tuple[float, Organisation | None]] = {}
_HOST_CACHE_MAX = 1024  # ALLOWED_HOSTS bounds the keys; this bounds a misconfigured "*"
_HOST_CACHE_LOCK = threading.Lock()


def organisation_host_cache_clear(**_: object) -> None:
    """Forget every cached host (an organisation, its domain or the default changed)."""
    with _HOST_CACHE_LOCK:
        _HOST_CACHE.clear()


post_save.connect(organisation_host_cache_clear, sender=Organisation, dispatch_uid="orgs-host")
post_delete.connect(organisation_host_cache_clear, sender=Organisation, dispatch_uid="orgs-host")


def _organisation_for_host_uncached(host: str) -> Organisation | None:
    orgs = list(
        Organisation.objects.filter(domain=host) | Organisation.objects.filter(is_default=True)
    )
    for org in orgs:
        if org.domain == host:
            return org
    return orgs[0] if orgs else None


def organisation_for_host(host: str) -> Organisation | None:
    """The organisation serving `host`, else the default one, else None."""
    host = host.split(":", 1)[0].lower().rstrip(".")
    ttl = float(getattr(settings, "KARPEAR_ORG_HOST_CACHE_SECONDS", 30))
    now = time.monotonic()
    hit = _HOST_CACHE.get(host)
    if hit is not None and hit[0] > now:
        return copy.copy(hit[1])
    org = _organisation_for_host_uncached(host)
    if ttl > 0:
        with _HOST_CACHE_LOCK:
            if len(_HOST_CACHE) >= _HOST_CACHE_MAX:
                _HOST_CACHE.clear()
            _HOST_CACHE[host] = (now + ttl, copy.copy(org))
    return org


def help_contacts(org: Organisation) -> list[HelpContact]:
    return list(org.help_contacts.all())


class NoOrganisation(Http404):
    """No organisation serves this host name (and none is the default)."""


def current_organisation(request: HttpRequest) -> Organisation:
    """The organisation a public request is for, cached on the request.

    Raises NoOrganisation, which the views turn into a plain 404 page.
    """
    cached: Organisation | None = getattr(request, "_karpear_org", None)
    if cached is None:
        cached = organisation_for_host(request.get_host())
        if cached is None:
            raise NoOrganisation(request.get_host())
        request._karpear_org = cached  # type: ignore[attr-defined]
    return cached


def organisation_for_command(slug: str | None) -> Organisation:
    """The organisation a command names with --org, or the default one; else a CommandError."""
    from django.core.management.base import CommandError

    query = (
        Organisation.objects.filter(slug=slug)
        if slug
        else Organisation.objects.filter(is_default=True)
    )
    org = query.first()
    if org is None:
        raise CommandError("No such organisation (use --org SLUG).")
    return org
