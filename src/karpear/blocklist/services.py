"""Blocklist workflow: every state change is one function here, called by commands, API and desk.

Guidelines 2.6 / checklist item 28: only registered sources, a common list,
per-URL entries unless the source says a whole domain. Two roles, one code:
a list holder imports sources' files and publishes signed versions; an ISP
subscribes, verifies, applies and enforces (compiled file for Squid, RPZ for DNS).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.blocklist.lists import Parsed, Row, row_for
from karpear.blocklist.matcher import (
    CompiledList,
    Hit,
    Matcher,
    SourceInfo,
    compile_from,
    expression_digest,
    read_header,
    write_compiled,
)
from karpear.blocklist.models import (
    Appeal,
    AppealStatus,
    Entry,
    EntryKind,
    ListVersion,
    Source,
    SourceKind,
    Subscription,
)
from karpear.core import signing
from karpear.core.crypto import decrypt_text, encrypt_text
from karpear.core.errors import ApplicationError, NotFound
from karpear.links.canonical import MalformedURL, canonicalize
from karpear.orgs.models import Organisation

log = logging.getLogger("karpear.blocklist")
FORMAT = "karpear-blocklist/1"
_MOD = 2**256
_BATCH = 5000


# --- Sources -----------------------------------------------------------------


def source_register(
    *,
    organisation: Organisation,
    code: str,
    name: str,
    kind: SourceKind,
    agreement: str,
    appeals_email: str = "",
    actor_label: str,
) -> Source:
    """Register a body whose confirmations may be blocked (2.6: hotline, police, CSAM database)."""
    code = code.strip()
    if not code or not name.strip() or not agreement.strip():
        raise ApplicationError(
            _("A source needs a code, a name and the agreement it is used under.")
        )
    if Source.objects.filter(organisation=organisation, code=code, subscription=None).exists():
        raise ApplicationError(_("A source with this code is already registered."), code="exists")
    source = Source.objects.create(
        organisation=organisation,
        code=code,
        name=name.strip(),
        kind=kind,
        agreement=agreement.strip(),
        appeals_email=appeals_email.strip(),
        registered_by=actor_label,
    )
    audit_record(
        action="blocklist_source_registered",
        organisation=organisation,
        actor_label=actor_label,
        object_type="blocklist_source",
        object_id=source.pk,
        detail={"code": code, "kind": kind, "agreement": source.agreement},
    )
    return source


def local_source(organisation: Organisation, code: str) -> Source:
    source = Source.objects.filter(organisation=organisation, code=code, subscription=None).first()
    if source is None:
        raise NotFound(_("No registered source has this code."))
    return source


# --- Digests -----------------------------------------------------------------


def _line_sum(lines: Iterable[tuple[Any, ...]]) -> int:
    total = 0
    for line in lines:
        text = "\n".join(str(part) for part in line)
        total += int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")
    return total % _MOD


def _hex(number: int) -> str:
    return f"{number % _MOD:064x}"


def _published(*row: Any) -> list[Any]:
    """(id, kind, value, source code, reference, confirmed date) as the list carries it."""
    entry_id, kind, value, code, ref, day = row
    return [entry_id, kind, value, code, ref, day.isoformat()]


# --- The list holder's own list ------------------------------------------------


@dataclass
class ImportResult:
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    duplicates: int = 0
    removals_held: bool = False
    version: int | None = None


def _lock_versions(organisation: Organisation) -> int:
    """Serialise version numbering per organisation; return the current number."""
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    current = ListVersion.objects.filter(organisation=organisation).aggregate(n=Max("number"))
    return int(current["n"] or 0)


Line = tuple[int, str, str, str, str, date]  # (id, kind, value, source code, reference, date)


def _new_version(  # noqa: PLR0917 - private helper with one caller shape
    organisation: Organisation,
    number: int,
    added: list[Line],
    removed: list[Line],
    note: str,
    actor_label: str,
) -> ListVersion:
    previous = ListVersion.objects.filter(organisation=organisation, number=number - 1).first()
    digest = int(previous.digest, 16) if previous else 0
    digest += _line_sum(tuple(_published(*line)) for line in added)
    digest -= _line_sum(tuple(_published(*line)) for line in removed)
    total = (previous.total if previous else 0) + len(added) - len(removed)
    version = ListVersion.objects.create(
        organisation=organisation,
        number=number,
        added=len(added),
        removed=len(removed),
        total=total,
        digest=_hex(digest),
        note=note[:300],
        created_by=actor_label,
    )
    audit_record(
        action="blocklist_version_published",
        organisation=organisation,
        actor_label=actor_label,
        object_type="blocklist_version",
        object_id=number,
        detail={"added": len(added), "removed": len(removed), "total": total, "note": note},
    )
    return version


_COLUMNS = (
    "organisation_id",
    "source_id",
    "reference",
    "kind",
    "value",
    "url_enc",
    "confirmed_on",
    "imported_by",
    "created_at",
    "added_in",
    "subscription_id",
    "remote_id",
)


def _insert_entries(rows: list[tuple[Any, ...]]) -> None:
    """Insert entries in the order of _COLUMNS with executemany.

    Lists run to a million rows; the ORM's bulk_create spends ~100 us a row
    building and preparing model instances, this a few (bench/blocklist.py).
    The database constraints still check every row.
    """
    ops = connection.ops
    table = ops.quote_name(Entry._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in _COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    now = ops.adapt_datetimefield_value(timezone.now())
    days: dict[date, Any] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _BATCH):
            batch = []
            for row in rows[start : start + _BATCH]:
                day = row[6]
                if day not in days:
                    days[day] = ops.adapt_datefield_value(day)
                batch.append((*row[:6], days[day], row[7], now, *row[8:]))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 - fixed names
                batch,
            )


def _lines(query: Any) -> list[Line]:
    return list(
        query.values_list("pk", "kind", "value", "source__code", "reference", "confirmed_on")
    )


def _create_entries(
    organisation: Organisation, source: Source, rows: list[Row], number: int, actor_label: str
) -> list[Line]:
    _insert_entries(
        [
            (
                organisation.pk,
                source.pk,
                row.reference,
                row.kind,
                row.value,
                encrypt_text(row.canonical) if row.kind == EntryKind.URL else "",
                row.confirmed_on,
                actor_label,
                number,
                None,
                None,
            )
            for row in rows
        ]
    )
    return _lines(Entry.objects.filter(organisation=organisation, source=source, added_in=number))


def blocklist_import(
    *,
    organisation: Organisation,
    source: Source,
    parsed: Parsed,
    actor_label: str,
    note: str = "",
    full: bool = True,
) -> ImportResult:
    """Apply a source's file as a diff: new lines added, lines gone removed, all in one version.

    With bad lines in the file nothing is removed (a line we could not read
    may be an entry that should stay); the report says so.
    """
    if source.organisation_id != organisation.pk or source.subscription_id is not None:
        raise ApplicationError(_("Entries can only come from this organisation's own sources."))
    result = ImportResult(errors=parsed.errors, duplicates=parsed.duplicates)
    with transaction.atomic():
        number = _lock_versions(organisation) + 1
        current = {
            (line[1], line[2]): line
            for line in _lines(
                Entry.objects.filter(organisation=organisation, source=source, removed_in=None)
            )
        }
        wanted = {(r.kind, r.value): r for r in parsed.rows}
        to_add = [
            r
            for key, r in wanted.items()
            if key not in current
            or (current[key][4], current[key][5]) != (r.reference, r.confirmed_on)
        ]
        changed = [current[(r.kind, r.value)] for r in to_add if (r.kind, r.value) in current]
        gone = [line for key, line in current.items() if key not in wanted] if full else []
        if gone and parsed.errors:
            result.removals_held = True
            gone = []
        removed = changed + gone
        if removed:
            ids = [line[0] for line in removed]
            for start in range(0, len(ids), _BATCH):
                Entry.objects.filter(pk__in=ids[start : start + _BATCH]).update(removed_in=number)
        added = _create_entries(organisation, source, to_add, number, actor_label)
        result.added, result.removed = len(added), len(gone)
        result.unchanged = len(wanted) - len(to_add)
        if added or removed:
            _new_version(
                organisation, number, added, removed, note or f"import {source.code}", actor_label
            )
            result.version = number
        audit_record(
            action="blocklist_import",
            organisation=organisation,
            actor_label=actor_label,
            object_type="blocklist_source",
            object_id=source.pk,
            detail={
                "source": source.code,
                "added": result.added,
                "removed": result.removed,
                "unchanged": result.unchanged,
                "bad_lines": len(result.errors),
                "removals_held": result.removals_held,
                "version": result.version,
            },
        )
    compile_enforcement(organisation)
    return result


def entry_add(
    *,
    organisation: Organisation,
    source: Source,
    kind: str,
    target: str,
    reference: str,
    confirmed_on: date,
    actor_label: str,
) -> Entry:
    """Add one confirmed entry by hand (e.g. an order from the Anti-Cybercrime Unit)."""
    try:
        row = row_for(kind, target, reference, confirmed_on)
    except ValueError as exc:
        raise ApplicationError(str(exc), code="invalid_entry") from exc
    if source.organisation_id != organisation.pk or source.subscription_id is not None:
        raise ApplicationError(_("Entries can only come from this organisation's own sources."))
    with transaction.atomic():
        number = _lock_versions(organisation) + 1
        if Entry.objects.filter(
            organisation=organisation,
            source=source,
            kind=row.kind,
            value=row.value,
            removed_in=None,
        ).exists():
            raise ApplicationError(_("This entry is already on the list."), code="exists")
        (line,) = _create_entries(organisation, source, [row], number, actor_label)
        _new_version(organisation, number, [line], [], f"added by {actor_label}", actor_label)
    compile_enforcement(organisation)
    return Entry.objects.get(pk=line[0])


def entry_remove(
    *, organisation: Organisation, entry_id: int, reason: str, actor_label: str
) -> int:
    """Remove an entry because its source withdrew it; returns the new version number."""
    if not reason.strip():
        raise ApplicationError(_("Say why the source removed it (their reference)."))
    with transaction.atomic():
        number = _lock_versions(organisation) + 1
        entry = (
            Entry.objects.select_related("source")
            .filter(organisation=organisation, pk=entry_id, removed_in=None, subscription=None)
            .first()
        )
        if entry is None:
            raise NotFound(_("No such entry on this list."))
        entry.removed_in = number
        entry.save(update_fields=["removed_in"])
        line = (
            entry.pk,
            entry.kind,
            entry.value,
            entry.source.code,
            entry.reference,
            entry.confirmed_on,
        )
        _new_version(organisation, number, [], [line], f"removed: {reason}", actor_label)
    compile_enforcement(organisation)
    return number


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


# --- Subscribing (the ISP side) ----------------------------------------------------


class PullError(Exception):
    """The list could not be fetched, verified or applied; the last good version stays."""


class DeltaNotApplicable(PullError):
    """The delta does not fit our copy (publisher reset, local divergence): take the full list."""


@dataclass
class PullResult:
    version: int
    added: int
    removed: int
    full: bool
    changed: bool


def subscription_add(
    *,
    organisation: Organisation,
    name: str,
    url: str,
    token: str,
    public_key: str,
    actor_label: str,
) -> Subscription:
    try:
        if len(base64.b64decode(public_key, validate=True)) != 32:
            raise ValueError("not 32 bytes")
    except ValueError as exc:
        raise ApplicationError(
            _("The publisher's key must be a base64 Ed25519 public key.")
        ) from exc
    subscription, _created = Subscription.objects.update_or_create(
        organisation=organisation,
        name=name,
        defaults={
            "url": url.rstrip("/"),
            "token_enc": encrypt_text(token),
            "public_key": public_key,
        },
    )
    audit_record(
        action="blocklist_subscription_configured",
        organisation=organisation,
        actor_label=actor_label,
        object_type="blocklist_subscription",
        object_id=subscription.pk,
        detail={"name": name, "url": subscription.url, "key_id": signing.key_id(public_key)},
    )
    return subscription


def _fetch(subscription: Subscription, since: int | None) -> bytes:
    query = "full" if since is None else f"delta?since={since}"
    request = urllib.request.Request(  # noqa: S310 - the administrator's configured publisher
        f"{subscription.url}/api/v1/blocklist/{query}",
        headers={"Authorization": f"Bearer {decrypt_text(subscription.token_enc)}"},
    )
    limit = settings.KARPEAR_BLOCKLIST_MAX_BYTES
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.KARPEAR_BLOCKLIST_FETCH_TIMEOUT
        ) as response:
            body: bytes = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404 and since is not None:  # the publisher no longer knows our version
            raise DeltaNotApplicable("the publisher does not know our version") from exc
        raise PullError(f"the publisher answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise PullError(f"cannot reach the publisher: {exc}") from exc
    if len(body) > limit:
        raise PullError(f"the list is larger than {limit} bytes")
    return body


def _verified(subscription: Subscription, body: bytes) -> dict[str, Any]:
    try:
        envelope = json.loads(body)
    except ValueError as exc:
        raise PullError("the publisher's answer is not JSON") from exc
    try:
        payload = signing.verify(envelope, subscription.public_key)
    except signing.BadSignature as exc:
        raise PullError(str(exc)) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise PullError("not a Karpear blocklist")
    for key, kind in (("version", int), ("added", list), ("removed", list), ("sources", dict)):
        if not isinstance(payload.get(key), kind):
            raise PullError(f"the list has no valid {key!r}")
    return payload


def _subscribed_sources(subscription: Subscription, sources: dict[str, Any]) -> dict[str, Source]:
    out: dict[str, Source] = {}
    for code, info in sources.items():
        if not isinstance(info, dict) or not str(info.get("agreement", "")).strip():
            raise PullError(f"source {code!r} has no agreement")
        kind = str(info.get("kind", ""))
        if kind not in SourceKind.values:
            raise PullError(f"source {code!r} has an unknown kind")
        out[code], _ = Source.objects.update_or_create(
            organisation=subscription.organisation,
            subscription=subscription,
            code=str(code)[:40],
            defaults={
                "name": str(info.get("name", code))[:200],
                "kind": kind,
                "agreement": str(info["agreement"])[:300],
                "appeals_email": str(info.get("appeals_email", ""))[:254],
                "registered_by": f"subscription:{subscription.name}",
            },
        )
    return out


def _subscribed_entries(
    subscription: Subscription, sources: dict[str, Source], rows: list[Any]
) -> list[tuple[Any, ...]]:
    entries = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 6):
            raise PullError("an entry is not in the published layout")
        remote_id, kind, value, code, reference, day = row
        if code not in sources:
            raise PullError(f"entry {remote_id} names an unregistered source")
        if kind == EntryKind.URL:
            ok = (
                isinstance(value, str)
                and len(value) == 64
                and all(c in "0123456789abcdef" for c in value)
            )
        else:
            ok = kind == EntryKind.DOMAIN and isinstance(value, str) and 0 < len(value) <= 253
        if not ok or not isinstance(remote_id, int) or not str(reference).strip():
            raise PullError(f"entry {remote_id} is not valid")
        try:
            confirmed = date.fromisoformat(str(day))
        except ValueError as exc:
            raise PullError(f"entry {remote_id} has no valid date") from exc
        entries.append(
            (
                subscription.organisation_id,
                sources[code].pk,
                str(reference)[:200],
                kind,
                value,
                "",
                confirmed,
                f"subscription:{subscription.name}",
                None,
                subscription.pk,
                remote_id,
            )
        )
    return entries


def _subscribed_digest(subscription: Subscription) -> int:
    return _line_sum(
        tuple(_published(*row))
        for row in Entry.objects.filter(subscription=subscription).values_list(
            "remote_id", "kind", "value", "source__code", "reference", "confirmed_on"
        )
    )


def _apply(subscription: Subscription, payload: dict[str, Any]) -> PullResult:
    full = payload.get("since") is None
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if not full and payload["since"] != sub.version:
            raise DeltaNotApplicable("the delta does not start at our version")
        if not full and payload["version"] == sub.version and not payload["added"]:
            return PullResult(sub.version, 0, 0, full=False, changed=False)
        sources = _subscribed_sources(sub, payload["sources"])
        entries = _subscribed_entries(sub, sources, payload["added"])
        if full:
            Entry.objects.filter(subscription=sub).delete()
        else:
            removed_ids = [int(i) for i in payload["removed"]]
            for start in range(0, len(removed_ids), _BATCH):
                Entry.objects.filter(
                    subscription=sub, remote_id__in=removed_ids[start : start + _BATCH]
                ).delete()
        try:
            _insert_entries(entries)
        except IntegrityError as exc:
            raise PullError("the list repeats an entry") from exc
        if _hex(_subscribed_digest(sub)) != payload.get("digest"):
            error = DeltaNotApplicable if not full else PullError
            raise error("after applying, our copy differs from the publisher's (digest)")
        sub.version = int(payload["version"])
        sub.pulled_at = timezone.now()
        sub.last_error = ""
        sub.save(update_fields=["version", "pulled_at", "last_error"])
        audit_record(
            action="blocklist_pulled",
            organisation=sub.organisation,
            actor_label=f"subscription:{sub.name}",
            object_type="blocklist_subscription",
            object_id=sub.pk,
            detail={
                "version": sub.version,
                "full": full,
                "added": len(entries),
                "removed": len(payload["removed"]),
            },
        )
    return PullResult(sub.version, len(entries), len(payload["removed"]), full, True)


def subscription_pull(subscription: Subscription, *, force_full: bool = False) -> PullResult:
    """Fetch, verify and apply the publisher's changes; on any error keep the last good list."""
    try:
        since = None if force_full or subscription.version == 0 else subscription.version
        try:
            result = _apply(subscription, _verified(subscription, _fetch(subscription, since)))
        except DeltaNotApplicable:
            # Only a delta that does not fit is retried in full; a network or signature
            # error would fail the same way twice.
            result = _apply(subscription, _verified(subscription, _fetch(subscription, None)))
    except PullError as exc:
        Subscription.objects.filter(pk=subscription.pk).update(
            last_error=str(exc)[:1000], last_error_at=timezone.now()
        )
        audit_record(
            action="blocklist_pull_failed",
            organisation=subscription.organisation,
            actor_label=f"subscription:{subscription.name}",
            object_type="blocklist_subscription",
            object_id=subscription.pk,
            detail={"error": str(exc)[:300], "kept_version": subscription.version},
        )
        raise
    if result.changed:
        compile_enforcement(subscription.organisation)
    return result


def run_reload_command(command: str) -> None:
    """Run the operator's reload command (e.g. unbound-control auth_zone_reload)."""
    completed = subprocess.run(  # noqa: S602 - the operator's own command line
        command, shell=True, capture_output=True, text=True, timeout=120, check=False
    )
    if completed.returncode != 0:
        raise PullError(
            f"reload command failed ({completed.returncode}): {completed.stderr[-300:]}"
        )


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


# --- Appeals -------------------------------------------------------------------


def appeal_submit(
    *, organisation: Organisation, url: str, reason: str, contact: str = ""
) -> Appeal:
    """Record that someone says a page is wrongly blocked; the worker forwards it to the source."""
    from karpear.reports.references import format_reference, new_reference

    errors: dict[str, list[str]] = {}
    canonical = None
    try:
        canonical = canonicalize(url)
    except MalformedURL:
        errors["url"] = [str(_("Please give the address of the blocked page."))]
    if not reason.strip():
        errors["reason"] = [str(_("Please tell us why the page should not be blocked."))]
    if len(reason) > 4000 or len(contact) > 300:
        errors.setdefault("reason", []).append(str(_("Please write less than 4000 characters.")))
    if errors or canonical is None:
        raise ApplicationError(_("Some answers need to be checked."), fields=errors)
    hit = matcher_for(organisation).lookup_canonical(canonical)
    source = None
    entry_reference = ""
    if hit is not None:
        source = Source.objects.filter(organisation=organisation, pk=hit.source.id).first()
        value = hit.expression
        if hit.kind == EntryKind.URL:
            value = expression_digest(hit.expression).hex()
        entry = Entry.objects.filter(
            organisation=organisation, source=source, value=value, removed_in=None
        ).first()
        entry_reference = entry.reference if entry else ""
    with transaction.atomic():
        appeal = Appeal.objects.create(
            organisation=organisation,
            reference="A-" + format_reference(new_reference())[:9],
            url_enc=encrypt_text(str(canonical)),
            source=source,
            entry_reference=entry_reference,
            reason=reason.strip(),
            contact_enc=encrypt_text(contact.strip()) if contact.strip() else "",
            status=AppealStatus.RECEIVED if hit else AppealStatus.NOT_LISTED,
        )
        audit_record(
            action="blocklist_appeal_received",
            organisation=organisation,
            actor_label="public",
            object_type="blocklist_appeal",
            object_id=appeal.pk,
            detail={"source": source.code if source else None, "listed": hit is not None},
        )
    return appeal


def appeal_url(appeal: Appeal) -> str:
    return decrypt_text(appeal.url_enc)


def forward_appeals(limit: int = 50) -> int:
    """Worker job: send received appeals to their source's appeals address."""
    done = 0
    pending = Appeal.objects.filter(
        status=AppealStatus.RECEIVED, forward_attempts__lt=20, source__isnull=False
    ).exclude(source__appeals_email="")
    for appeal in pending.select_related("source", "organisation")[:limit]:
        assert appeal.source is not None
        message = EmailMessage(
            subject=f"Blocklist appeal {appeal.reference} ({appeal.source.code})",
            body=(
                f"An appeal about an entry on your list reached {appeal.organisation.name}.\n\n"
                f"Appeal: {appeal.reference}\nYour reference: {appeal.entry_reference or '-'}\n"
                f"Page: {appeal_url(appeal)}\nReceived: {appeal.created_at.isoformat()}\n\n"
                f"What the person says:\n{appeal.reason}\n\n"
                "The entry stays blocked unless you remove it from your list. "
                "Please tell us your decision, quoting the appeal reference.\n"
            ),
            to=[appeal.source.appeals_email],
        )
        try:
            message.send()
        except OSError as exc:
            Appeal.objects.filter(pk=appeal.pk).update(forward_attempts=appeal.forward_attempts + 1)
            log.warning("appeal %s not forwarded yet: %s", appeal.reference, exc)
            continue
        with transaction.atomic():
            Appeal.objects.filter(pk=appeal.pk).update(
                status=AppealStatus.FORWARDED,
                forwarded_at=timezone.now(),
                forward_attempts=appeal.forward_attempts + 1,
            )
            audit_record(
                action="blocklist_appeal_forwarded",
                organisation=appeal.organisation,
                actor_label="worker",
                object_type="blocklist_appeal",
                object_id=appeal.pk,
                detail={"source": appeal.source.code},
            )
        done += 1
    return done


def appeal_outcome(
    *, organisation: Organisation, appeal_id: int, outcome: str, note: str, actor: Any
) -> Appeal:
    """Record the source's decision. The list itself changes only when the source's list does."""
    if outcome not in (AppealStatus.KEPT, AppealStatus.REMOVED):
        raise ApplicationError(_("Choose what the source decided."))
    with transaction.atomic():
        appeal = (
            Appeal.objects.select_for_update()
            .filter(organisation=organisation, pk=appeal_id)
            .first()
        )
        if appeal is None:
            raise NotFound(_("No such appeal."))
        if appeal.status in (AppealStatus.KEPT, AppealStatus.REMOVED):
            raise ApplicationError(_("This appeal already has an outcome."), code="decided")
        appeal.status = outcome
        appeal.outcome_note = note.strip()[:2000]
        appeal.outcome_at = timezone.now()
        appeal.outcome_by = actor.get_username()
        appeal.save(update_fields=["status", "outcome_note", "outcome_at", "outcome_by"])
        audit_record(
            action="blocklist_appeal_outcome",
            organisation=organisation,
            actor=actor,
            object_type="blocklist_appeal",
            object_id=appeal.pk,
            detail={"outcome": outcome},
        )
    return appeal


def list_summary(organisation: Organisation) -> dict[str, Any]:
    """Counts for the desk and, later, the compliance workspace and transparency report."""
    active = Entry.objects.filter(organisation=organisation, removed_in=None)
    return {
        "version": latest_version(organisation),
        "own_entries": active.filter(subscription=None).count(),
        "subscribed_entries": active.exclude(subscription=None).count(),
        "domains": active.filter(kind=EntryKind.DOMAIN).count(),
        "sources": list(Source.objects.filter(organisation=organisation).order_by("code")),
        "subscriptions": list(Subscription.objects.filter(organisation=organisation)),
        "versions": list(ListVersion.objects.filter(organisation=organisation)[:20]),
    }


def list_changes(organisation: Organisation, since: datetime, until: datetime) -> dict[str, int]:
    """The own list's size at the end of [since, until), and entries added and removed within it."""
    in_period = ListVersion.objects.filter(
        organisation=organisation, created_at__gte=since, created_at__lt=until
    ).aggregate(added=Sum("added"), removed=Sum("removed"), versions=Count("id"))
    last = (
        ListVersion.objects.filter(organisation=organisation, created_at__lt=until)
        .order_by("-number")
        .first()
    )
    return {
        "entries_at_end": last.total if last else 0,
        "added": in_period["added"] or 0,
        "removed": in_period["removed"] or 0,
        "versions": in_period["versions"],
    }
