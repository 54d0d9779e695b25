"""Receiving reports: the one function every channel calls."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from karpear.core.crypto import decrypt_text, encrypt_text
from karpear.core.errors import ApplicationError, NotFound
from karpear.core.rows import InsertPlan, columns, fetch_one, from_row, mark_saved
from karpear.links.canonical import canonical_key
from karpear.orgs.models import Organisation
from karpear.reports.models import Channel, PublicStatus, Report, ReportedItem
from karpear.reports.references import new_reference, parse_reference
from karpear.reports.rules import ReportData
from karpear.reports.signals import report_received, report_writer


class IdempotencyKeyReused(ApplicationError):
    """The same caller sent the same key with a different body (IETF Idempotency-Key draft).

    The message never names the first report: a key is not a way to learn
    another request's reference.
    """

    status = 409
    code = "idempotency_key_reused"


def _submission_hash(caller: str, token: str) -> str:
    """The stored key: the caller and its token hashed together (see Report.submission_key)."""
    if not token:
        return ""
    return hashlib.sha256(f"{caller}\n{token}".encode()).hexdigest()


def _earlier(organisation: Organisation, key: str, fingerprint: str) -> Report | None:
    """The report this caller already sent under this key, if any; 409 if its body differed."""
    existing = Report.objects.filter(organisation=organisation, submission_key=key).first()
    if existing is not None and existing.submission_fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            _(
                "This Idempotency-Key was already used for a different report. "
                "Send each new report with a new key."
            )
        )
    return existing


def report_submit(
    *,
    organisation: Organisation,
    channel: Channel,
    data: ReportData,
    submission_token: str = "",
    caller: str = "",
    fingerprint: str = "",
    received_at: datetime | None = None,
    reporter: str = "",
) -> tuple[Report, bool]:
    """Store a report durably and return (report, created).

    `caller` says who sent `submission_token` ("key:<id>" for an API key,
    "client:<keyed hash>" for an anonymous app, "portal" for the form's own
    one-time token); `fingerprint` is a keyed hash of the canonical request body.
    `reporter` identifies the sender for the isolation abuse guard (the keyed
    client hash or "key:<id>"); it is passed on with the signal, never stored.

    1. If this caller sent this token before for this organisation with the
       same fingerprint, return that report unchanged (a double tap or a
       retried API call); with another fingerprint, raise IdempotencyKeyReused
       (409). Another caller's token never matches.
    2. Otherwise write the report and its items in one transaction: on PostgreSQL, with
       the case, one autocommitted statement (the writer cases registers; issue #24). The caller
       shows the reference only after this returns, i.e. after COMMIT, so a
       reference a person was given always exists (PRODUCT: nothing
       acknowledged is ever lost). Two simultaneous requests with one key meet
       at the unique constraint `report_submission_once`: exactly one report
       is written and the other request answers with it (or 409).
    """
    key = _submission_hash(caller, submission_token)
    if key:
        existing = _earlier(organisation, key, fingerprint)
        if existing is not None:
            return existing, False
    contact = ""
    if data.contact is not None:
        contact = encrypt_text(
            json.dumps(
                {
                    "name": data.contact.name,
                    "phone": data.contact.phone,
                    "email": data.contact.email,
                },
                ensure_ascii=False,
            )
        )
    when = (received_at or timezone.now()).replace(microsecond=0)
    values: dict[str, Any] = {
        "organisation_id": organisation.pk,
        "channel": channel,
        "category": data.category,
        "seen_on": data.seen_on,
        "seen_at_time": data.seen_at_time,
        "seen_approximate": data.seen_approximate,
        "description": data.description,
        "reporter_is_child": data.reporter_is_child,
        "contact_encrypted": contact,
        "language": get_language() or "km",
        "platform_content_id": data.platform_content_id,
        "submission_key": key,
        "submission_fingerprint": fingerprint if key else "",
        "received_at": when,
    }
    rows = [
        {
            "organisation_id": organisation.pk,
            "url": item.url,
            "normalised_url": item.normalised_url,
            "normalised_url_sha256": canonical_key(item.normalised_url)
            if item.normalised_url
            else "",
            "app_name": item.app_name,
            "account_name": item.account_name,
        }
        for item in data.items
    ]
    writer = report_writer()
    for _attempt in range(5):
        try:
            reference = new_reference()
            if writer is not None:
                # One statement, committed on its own before it returns (cases/reportwrite.py),
                # or None: nothing written, the transaction below does it.
                stored = writer(
                    values={**values, "reference": reference}, rows=rows, organisation=organisation
                )
                if stored is not None:
                    return stored, True
            with transaction.atomic():
                report, items = _insert({**values, "reference": reference}, rows, organisation)
                report_received.send(sender=Report, report=report, items=items, reporter=reporter)
            return report, True
        except IntegrityError:
            # Either the same submission raced in from a second request, or
            # (once in ~10^16) the random reference collided: look, then retry.
            if key:
                existing = _earlier(organisation, key, fingerprint)
                if existing is not None:
                    return existing, False
    raise RuntimeError("could not allocate a unique report reference")


def _insert(
    values: dict[str, Any], rows: list[dict[str, Any]], organisation: Organisation
) -> tuple[Report, list[ReportedItem]]:
    """Write the report and its items. On PostgreSQL in one statement (one round trip, no
    query compiled: issue #24); elsewhere (SQLite, for development) through the ORM."""
    if connection.vendor != "postgresql":
        report = Report.objects.create(**values)
        report.organisation = organisation
        items = ReportedItem.objects.bulk_create(ReportedItem(report=report, **r) for r in rows)
        return report, items
    params = REPORT_PLAN.params(values) + report_items_params(rows)
    return stored_report(fetch_one(_insert_sql(len(rows)), params), rows, organisation)


# The report's columns as report_submit gives them (`values`), and its items' (`rows`): the
# INSERTs' column and select lists are worked out once per process (issue #24, u2).
REPORT_VALUES = (
    "organisation_id",
    "channel",
    "category",
    "seen_on",
    "seen_at_time",
    "seen_approximate",
    "description",
    "reporter_is_child",
    "contact_encrypted",
    "language",
    "platform_content_id",
    "submission_key",
    "submission_fingerprint",
    "received_at",
    "reference",
)
REPORT_PLAN = InsertPlan(Report, REPORT_VALUES)
ITEM_VALUES = (
    "organisation_id",
    "url",
    "normalised_url",
    "normalised_url_sha256",
    "app_name",
    "account_name",
)
_ITEM_PLAN = InsertPlan(ReportedItem, ITEM_VALUES, {"report_id": "r.id"})


@lru_cache(maxsize=32)
def _insert_sql(item_count: int) -> str:
    return (
        f"WITH r AS (INSERT INTO {Report._meta.db_table} ({REPORT_PLAN.columns}) "
        f"SELECT {REPORT_PLAN.selects} RETURNING {columns(Report)})"
        f"{report_items_cte(item_count)} {REPORT_AND_ITEM_IDS}"
    )


# The last SELECT of a statement that wrote the report (CTE `r`) and its items (CTE `i`).
REPORT_AND_ITEM_IDS = "SELECT r.*, ARRAY(SELECT id FROM i ORDER BY id) FROM r"


@lru_cache(maxsize=32)
def report_items_cte(item_count: int) -> str:
    """`, i AS (INSERT … RETURNING id)`: `item_count` items, pointing at the report the
    statement's CTE `r` inserted (parameters: `report_items_params`); an empty `i` when
    there are none. Shared by `_insert` and the cases app's one-statement writer
    (cases/reportwrite.py); cached, since only the number of items changes the text."""
    if not item_count:
        return ", i AS (SELECT NULL::bigint AS id WHERE false)"
    one = f"SELECT {_ITEM_PLAN.selects} FROM r"  # noqa: S608 - placeholders only
    table = ReportedItem._meta.db_table
    return (
        f", i AS (INSERT INTO {table} ({_ITEM_PLAN.columns}) "
        f"{' UNION ALL '.join([one] * item_count)} RETURNING id)"
    )


def report_items_params(rows: list[dict[str, Any]]) -> list[Any]:
    """The parameters of `report_items_cte(len(rows))`."""
    params: list[Any] = []
    for row in rows:
        params += _ITEM_PLAN.params(row)
    return params


def stored_report(
    stored: tuple[Any, ...], rows: list[dict[str, Any]], organisation: Organisation
) -> tuple[Report, list[ReportedItem]]:
    """The report and its items as the ORM would load them, from a `REPORT_AND_ITEM_IDS` row
    (the report's columns, then its items' ids in the order of `rows`)."""
    report = stored_report_only(stored, organisation)
    items = [
        ReportedItem(id=pk, report=report, **r) for pk, r in zip(stored[-1], rows, strict=True)
    ]
    mark_saved(items)
    return report, items


def stored_report_only(stored: tuple[Any, ...], organisation: Organisation) -> Report:
    """The report alone from a `REPORT_AND_ITEM_IDS` row, for a caller that needs no items."""
    report: Report = from_row(Report, stored[:-1])
    report.organisation = organisation  # the caller's row: no lazy query later
    return report


def report_public_status(*, organisation: Organisation, reference: str) -> tuple[str, str]:
    """The coarse public status of a report: (reference, status).

    Only the four coarse states ever leave here; nothing about the content,
    the case or other reports (issue #2, item 11).
    """
    parsed = parse_reference(reference)
    if parsed is None:
        raise NotFound(
            _("This code is not right. Please check each letter and number."),
            code="bad_reference",
        )
    status = (
        Report.objects.filter(organisation=organisation, reference=parsed)
        .values_list("status", flat=True)
        .first()
    )
    if status is None:
        raise NotFound(_("We could not find a report with this code."), code="not_found")
    return parsed, PublicStatus(status).value


def report_group_keys(report: Report, items: list[ReportedItem] | None = None) -> list[str]:
    """Keys that identify the reported content, for grouping duplicate reports.

    `items`, when the caller has them in hand, saves reading them back.
    """
    rows = list(report.items.all()) if items is None else items
    return group_keys_of(
        report.platform_content_id,
        [(i.normalised_url_sha256, i.app_name, i.account_name) for i in rows],
    )


def group_keys_of(platform_content_id: str, items: list[tuple[str, str, str]]) -> list[str]:
    """report_group_keys from plain values: the content id, then each item's
    (normalised_url_sha256, app_name, account_name); for a report not yet built (issue #24)."""
    keys = [f"url:{sha}" for sha, _app, _account in items if sha]
    if platform_content_id:
        keys.insert(0, f"content:{platform_content_id}")
    if not keys:
        keys = [f"account:{app.lower()}:{account.lower()}" for _sha, app, account in items]
    return keys


def report_set_status(*, report_ids: list[int], status: PublicStatus) -> None:
    """Move reports' public status (called by the desk as their case moves)."""
    Report.objects.filter(id__in=report_ids).exclude(status=status).update(status=status)


def report_contact(report: Report) -> dict[str, str] | None:
    """The decrypted contact details, or None when anonymous or already deleted."""
    if not report.contact_encrypted:
        return None
    value: dict[str, str] = json.loads(decrypt_text(report.contact_encrypted))
    return value


def report_erase_contacts(*, report_ids: list[int]) -> int:
    """Delete reporters' contact details for good (issue #3, item 10)."""
    return (
        Report.objects.filter(id__in=report_ids)
        .exclude(contact_encrypted="")
        .update(contact_encrypted="")
    )
