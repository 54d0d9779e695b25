"""Receiving reports: the one function every channel calls."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from karpear.core.crypto import decrypt_text, encrypt_text
from karpear.core.errors import NotFound
from karpear.orgs.models import Organisation
from karpear.reports.forms import ReportData
from karpear.reports.models import Channel, PublicStatus, Report, ReportedItem
from karpear.reports.references import new_reference, parse_reference
from karpear.reports.signals import report_received


def _submission_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest() if token else ""


def report_submit(
    *,
    organisation: Organisation,
    channel: Channel,
    data: ReportData,
    submission_token: str = "",
    received_at: datetime | None = None,
) -> tuple[Report, bool]:
    """Store a report durably and return (report, created).

    1. If this submission token was seen before for this organisation, return
       that report unchanged (a double tap or a retried API call).
    2. Otherwise write the report and its items in one transaction. The caller
       shows the reference only after this returns, i.e. after COMMIT, so a
       reference a person was given always exists (PRODUCT: nothing
       acknowledged is ever lost).
    """
    key = _submission_hash(submission_token)
    if key:
        existing = Report.objects.filter(organisation=organisation, submission_key=key).first()
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
    for _attempt in range(5):
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    organisation=organisation,
                    reference=new_reference(),
                    channel=channel,
                    category=data.category,
                    seen_on=data.seen_on,
                    seen_at_time=data.seen_at_time,
                    seen_approximate=data.seen_approximate,
                    description=data.description,
                    reporter_is_child=data.reporter_is_child,
                    contact_encrypted=contact,
                    language=get_language() or "km",
                    platform_content_id=data.platform_content_id,
                    submission_key=key,
                    received_at=when,
                )
                items = ReportedItem.objects.bulk_create(
                    ReportedItem(
                        report=report,
                        organisation=organisation,
                        url=item.url,
                        normalised_url=item.normalised_url,
                        normalised_url_sha256=hashlib.sha256(
                            item.normalised_url.encode("utf-8")
                        ).hexdigest()
                        if item.normalised_url
                        else "",
                        app_name=item.app_name,
                        account_name=item.account_name,
                    )
                    for item in data.items
                )
                report_received.send(sender=Report, report=report, items=items)
            return report, True
        except IntegrityError:
            # Either the same submission raced in from a second request, or
            # (once in ~10^16) the random reference collided: look, then retry.
            if key:
                existing = Report.objects.filter(
                    organisation=organisation, submission_key=key
                ).first()
                if existing is not None:
                    return existing, False
    raise RuntimeError("could not allocate a unique report reference")


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
    keys = [f"url:{i.normalised_url_sha256}" for i in rows if i.normalised_url_sha256]
    if report.platform_content_id:
        keys.insert(0, f"content:{report.platform_content_id}")
    if not keys:
        keys = [f"account:{i.app_name.lower()}:{i.account_name.lower()}" for i in rows]
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
