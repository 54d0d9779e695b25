"""Enforcement: the compiled file for Squid, the per-process matcher and the RPZ zone."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.blocklist.matcher import (
    CompiledList,
    Hit,
    Matcher,
    SourceInfo,
    compile_from,
    read_header,
    write_compiled,
)
from karpear.blocklist.models import (
    Entry,
    Source,
)
from karpear.core.errors import ApplicationError
from karpear.links.canonical import MalformedURL
from karpear.orgs.models import Organisation

log = logging.getLogger("karpear.blocklist")


# --- Enforcement -------------------------------------------------------------------


def compiled_path(organisation: Organisation) -> Path:
    return Path(settings.KARPEAR_BLOCKLIST_DIR) / f"{organisation.slug}.kbl"


def _compiled_from_database(organisation: Organisation, previous: int = 0) -> CompiledList:
    """What this instance enforces (own list and every subscription), read from the database."""
    sources = list(Source.objects.filter(organisation=organisation).order_by("pk"))
    index = {s.pk: i for i, s in enumerate(sources)}
    rows = (
        (kind, value, index[source_id])
        for kind, value, source_id in Entry.objects.filter(
            organisation=organisation, removed_in=None
        ).values_list("kind", "value", "source_id")
    )
    return compile_from(
        serial=max(previous + 1, int(time.time())),
        sources=[SourceInfo(s.code, s.name, s.appeals_email, s.pk) for s in sources],
        entries=rows,
    )


def compile_enforcement(organisation: Organisation) -> Path:
    """Write what this instance enforces (own list and every subscription) for fast lookup."""
    path = compiled_path(organisation)
    previous = 0
    if path.exists():
        try:
            previous = int(read_header(path)["serial"])
        except (ValueError, KeyError, OSError):
            previous = 0
    write_compiled(path, _compiled_from_database(organisation, previous))
    return path


_matchers: dict[str, Matcher] = {}


def matcher_for(organisation: Organisation) -> Matcher:
    """This process's matcher for the organisation, refreshed when the file changed.

    A damaged compiled file is never used (issue #15, item 8): the error is logged, the file
    rebuilt from the database and loaded; if even that fails, the answer comes from a list
    built in memory from the database. A check never says "not listed" for want of a file.
    """
    path = compiled_path(organisation)
    matcher = _matchers.get(organisation.slug)
    try:
        if matcher is None or matcher.path != path:
            if not path.exists():
                compile_enforcement(organisation)
            matcher = _matchers[organisation.slug] = Matcher(path)
        elif not path.exists():
            raise FileNotFoundError(f"{path} disappeared")
        else:
            matcher.refresh()
        return matcher
    except (OSError, ValueError) as exc:
        log.error("compiled blocklist %s unusable, rebuilding it from the database: %s", path, exc)
    try:
        compile_enforcement(organisation)
        matcher = _matchers[organisation.slug] = Matcher(path)
    except (OSError, ValueError) as exc:
        _matchers.pop(organisation.slug, None)
        log.error(
            "compiled blocklist %s cannot be rebuilt, answering from the database: %s", path, exc
        )
        return Matcher.from_compiled(_compiled_from_database(organisation))
    return matcher


def check_url(organisation: Organisation, url: str) -> Hit | None:
    try:
        return matcher_for(organisation).lookup(url)
    except MalformedURL as exc:
        raise ApplicationError(
            _("This is not a web address: %(reason)s") % {"reason": exc.reason},
            code="malformed_url",
            fields={"url": [exc.reason]},
        ) from exc


def rpz_zone(
    organisation: Organisation,
    *,
    splash_a: str = "",
    splash_aaaa: str = "",
    ttl: int = 300,
) -> str:
    """An RPZ zone for the whole-domain entries only (exact pages need the proxy)."""
    matcher = matcher_for(organisation)
    serial = matcher.serial % 2**32 or 1
    lines = [
        f"; Karpear blocklist for {organisation.slug}: whole-domain entries only.",
        f"; Generated {timezone.now().isoformat()}; do not edit by hand.",
        f"$TTL {ttl}",
        f"@ IN SOA localhost. hostmaster.localhost. {serial} 3600 600 86400 {ttl}",
        "@ IN NS localhost.",
    ]
    for domain in sorted(matcher.domains):
        if domain.startswith("["):
            continue  # an IPv6 literal is no DNS name (the proxy blocks it; issue #24, item 2)
        for name in (domain, f"*.{domain}"):
            if splash_a or splash_aaaa:
                if splash_a:
                    lines.append(f"{name} A {splash_a}")
                if splash_aaaa:
                    lines.append(f"{name} AAAA {splash_aaaa}")
            else:
                lines.append(f"{name} CNAME .")
    return "\n".join(lines) + "\n"


def write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
