"""Publishing: the latest version and the signed list (full or delta) others subscribe to."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.blocklist.digests import _hex, _published
from karpear.blocklist.models import (
    Entry,
    ListVersion,
    Source,
)
from karpear.core import signing
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation

FORMAT = "karpear-blocklist/1"


# --- Publishing ----------------------------------------------------------------


def latest_version(organisation: Organisation) -> ListVersion | None:
    return ListVersion.objects.filter(organisation=organisation).order_by("-number").first()


def _sources_payload(organisation: Organisation) -> dict[str, dict[str, str]]:
    return {
        s.code: {
            "name": s.name,
            "kind": s.kind,
            "agreement": s.agreement,
            "appeals_email": s.appeals_email,
        }
        for s in Source.objects.filter(organisation=organisation, subscription=None)
    }


def _rows(query: Any) -> list[list[Any]]:
    return [
        _published(*row)
        for row in query.values_list(
            "pk", "kind", "value", "source__code", "reference", "confirmed_on"
        ).order_by("pk")
    ]


def published_list(organisation: Organisation, since: int | None = None) -> dict[str, Any]:
    """The signed full list (since=None) or the signed delta since a version.

    Exact pages are carried as SHA-256 of their canonical expression only, so
    the list cannot be read as a directory (Safe Browsing's approach).
    """
    version = latest_version(organisation)
    number = version.number if version else 0
    if since is not None and not 0 <= since <= number:
        raise ApplicationError(
            _("Unknown version: this list is at version %(n)s.") % {"n": number},
            code="unknown_version",
            status=404,
        )
    own = Entry.objects.filter(organisation=organisation, subscription=None)
    if since is None:
        added = _rows(own.filter(removed_in=None))
        removed: list[int] = []
    else:
        added = _rows(own.filter(added_in__gt=since, removed_in=None))
        removed = list(
            own.filter(removed_in__gt=since, added_in__lte=since)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    payload = {
        "format": FORMAT,
        "publisher": organisation.slug,
        "version": number,
        "since": since,
        "total": version.total if version else 0,
        "digest": version.digest if version else _hex(0),
        "generated_at": timezone.now().isoformat(),
        "sources": _sources_payload(organisation),
        "added": added,
        "removed": removed,
    }
    return signing.sign(payload)
