"""The list holder's own list: registered sources, file imports, single entries and versions.

Guidelines 2.6 / checklist item 28: only registered sources, per-URL entries unless the
source says a whole domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.blocklist.digests import _hex, _line_sum, _published
from karpear.blocklist.enforcement import compile_enforcement
from karpear.blocklist.lists import Parsed, Row, row_for
from karpear.blocklist.models import (
    Entry,
    EntryKind,
    ListVersion,
    Source,
    SourceKind,
)
from karpear.core.crypto import encrypt_text
from karpear.core.errors import ApplicationError, NotFound
from karpear.orgs.models import Organisation

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
