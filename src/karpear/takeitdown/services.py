"""Take it down (issue #22, items 5-8): one function takes a self-report, for the page and tests.

Guidelines 2.4 (never imply the victim is to blame) and Appendix 3 (sextortion, self-generated
imagery): the child keeps her image; only its hashes reach us and go into the self-report bank,
where the next upload of that picture to the platform is caught (hashes.services.check).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from karpear.audit.services import audit_record
from karpear.core.crypto import encrypt_text
from karpear.hashes.self_report import self_report_hashes_add
from karpear.orgs.models import Organisation
from karpear.reports.references import new_reference
from karpear.takeitdown.models import SelfReport, Situation


def self_report_submit(
    *,
    organisation: Organisation,
    situation: str,
    hashes: list[tuple[str, str]],
    pictures: int,
    contact: str = "",
    submission_token: str = "",
) -> tuple[SelfReport, bool]:
    """Store the hashes in the self-report bank and give a receipt; (self-report, created).

    1. A repeated one-time token (a double tap, a reload) returns the first receipt.
    2. The hashes and the receipt commit together; the audit entry names no hash and no contact.
    """
    situation = Situation(situation)
    token = submission_token or new_reference()
    key = hashlib.sha256(f"{organisation.pk}|{token}".encode()).hexdigest()
    existing = SelfReport.objects.filter(organisation=organisation, submission_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            added = self_report_hashes_add(organisation=organisation, hashes=hashes)
            self_report = SelfReport.objects.create(
                organisation=organisation,
                reference=new_reference(),
                situation=situation,
                pictures=pictures,
                hashes_added=added,
                contact_enc=encrypt_text(contact) if contact else "",
                submission_key=key,
                received_at=timezone.now().replace(microsecond=0),
            )
            audit_record(
                action="self_report_received",
                organisation=organisation,
                actor_label="take-it-down",
                object_type="self_report",
                object_id=self_report.pk,
                detail={"pictures": pictures, "hashes_added": added, "contact": bool(contact)},
            )
    except IntegrityError:  # the same token, sent twice at once: the other request won
        return SelfReport.objects.get(organisation=organisation, submission_key=key), False
    return self_report, True


def erase_expired_self_report_contacts(*, now: datetime | None = None) -> int:
    """Erase the contact a child left on a self-report once the contact retention period has
    passed since she sent it (PRODUCT.md "Privacy by default"; the same period as reporters'
    contacts). Restart-safe: the state is the emptied column itself."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.KARPEAR_CONTACT_RETENTION_DAYS)
    due = list(
        SelfReport.objects.filter(received_at__lt=cutoff)
        .exclude(contact_enc="")
        .values_list("id", flat=True)[:1000]
    )
    if not due:
        return 0
    with transaction.atomic():
        erased = SelfReport.objects.filter(pk__in=due).update(contact_enc="")
        audit_record(
            action="self_report_contacts_erased",
            organisation=None,
            actor_label="worker",
            object_type="self_report",
            object_id=0,
            detail={"self_reports": erased},
        )
    return erased
