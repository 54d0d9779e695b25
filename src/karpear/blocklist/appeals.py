"""Appeals: someone says a page is wrongly blocked; forwarded to the source, outcome recorded."""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.blocklist.enforcement import matcher_for
from karpear.blocklist.matcher import (
    expression_digest,
)
from karpear.blocklist.models import (
    Appeal,
    AppealStatus,
    Entry,
    EntryKind,
    Source,
)
from karpear.core.crypto import decrypt_text, encrypt_text
from karpear.core.errors import ApplicationError, NotFound
from karpear.links.canonical import MalformedURL, canonicalize
from karpear.orgs.models import Organisation

log = logging.getLogger("karpear.blocklist")


# --- Appeals -------------------------------------------------------------------


def appeal_submit(
    *, organisation: Organisation, url: str, reason: str, contact: str = ""
) -> Appeal:
    """Record that someone says a page is wrongly blocked; the worker forwards it to the source."""
    from karpear.reports.references import new_reference

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
            reference="A-" + new_reference()[:9],  # A-XXXX-XXXX (issue #22, item 4)
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
