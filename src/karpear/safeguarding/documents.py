"""The safeguarding policy and code of conduct: draft, adopt, and everyone's acknowledgement.

Guidelines 2.2 ask for a policy "formally written into the company's procedures", applied in all
departments, that sets out how staff must treat children and the consequences of breaches; item 8
asks that employees know it. Like the takedown procedure (compliance/policies.py), Karpear drafts
both texts from what the company runs with; the compliance officer edits and adopts a version,
and every current employee then gets a personal, single-use, expiring link to acknowledge it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.core.errors import ApplicationError
from karpear.core.versions import adopt_bilingual, draft_bilingual, latest_by_kind
from karpear.orgs.models import Organisation
from karpear.orgs.selectors import public_url
from karpear.orgs.services import help_contacts
from karpear.safeguarding.models import Acknowledgement, Document, DocumentKind, Employee
from karpear.safeguarding.officers import current_appointments
from karpear.safeguarding.training import EVERYONE, MAY_ENCOUNTER_CSAM, WORKS_WITH_CHILDREN
from karpear.staff.models import Role, StaffMember

log = logging.getLogger("karpear.safeguarding")
ADOPTERS = (Role.COMPLIANCE,)


def document_draft(organisation: Organisation) -> dict[str, dict[str, str]]:
    """{kind: {language: text}} drafted from the company's settings."""
    officers = current_appointments(organisation)
    context = {
        "org_name": organisation.name,
        "org_name_km": organisation.name_km or organisation.name,
        "today": timezone.localdate().isoformat(),
        "officer": officers.get("officer"),
        "deputy": officers.get("deputy"),
        "ack_hours": settings.KARPEAR_CONCERN_ACK_HOURS,
        "concern_days": settings.KARPEAR_CONCERN_RETENTION_DAYS,
        "link_days": settings.KARPEAR_ACK_LINK_DAYS,
        "training_months": settings.KARPEAR_TRAINING_VALID_MONTHS,
        "contacts": help_contacts(organisation),
        "concern_url": _link(organisation, "/concerns/"),
        "courses_everyone": [c.label for c in EVERYONE],
        "courses_csam": [c.label for c in MAY_ENCOUNTER_CSAM],
        "courses_children": [c.label for c in WORKS_WITH_CHILDREN],
    }
    return draft_bilingual("safeguarding/documents/{kind}.{lang}.txt", DocumentKind.values, context)


def latest_documents(organisation: Organisation) -> dict[str, Document]:
    return latest_by_kind(Document.objects.filter(organisation=organisation))


def document_adopt(
    *,
    member: StaffMember,
    kind: str,
    body_en: str,
    body_km: str,
    request: HttpRequest | None = None,
) -> tuple[Document, int]:
    """Adopt a new version and ask every current employee to acknowledge it; (version, links).

    The links are e-mailed after the transaction commits (nothing is sent for a version that
    was not stored). Lock: the organisation's documents of this kind, FOR UPDATE, to number
    versions without a race.
    """
    if member.role not in ADOPTERS:
        raise ApplicationError(
            _("Only the compliance officer can adopt policies."), code="forbidden", status=403
        )
    if kind not in DocumentKind.values:
        raise ApplicationError(_("There is no such policy."), code="bad_kind")
    with transaction.atomic():
        doc = adopt_bilingual(
            Document,
            organisation=member.organisation,
            kind=kind,
            body_en=body_en,
            body_km=body_km,
            adopted_by=member.user,
        )
        sent = _invite(doc, Employee.objects.filter(organisation=member.organisation))
        audit_record(
            action="safeguarding_document_adopt",
            organisation=member.organisation,
            actor=member.user,
            object_type="safeguarding_document",
            object_id=doc.pk,
            detail={"kind": kind, "version": doc.version, "links": sent},
            request=request,
        )
    return doc, sent


def _token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode("ascii")).hexdigest()


def _invite(doc: Document, employees: QuerySet[Employee]) -> int:
    """Create an acknowledgement (with a fresh link) for each current employee without one."""
    now = timezone.now()
    expires = now + timedelta(days=settings.KARPEAR_ACK_LINK_DAYS)
    have = set(Acknowledgement.objects.filter(document=doc).values_list("employee_id", flat=True))
    outgoing: list[tuple[Employee, str]] = []
    rows: list[Acknowledgement] = []
    for employee in employees.filter(left_on__isnull=True, erased_at__isnull=True).order_by("pk"):
        if employee.pk in have:
            continue
        token, digest = _token()
        rows.append(
            Acknowledgement(
                document=doc,
                employee=employee,
                token_digest=digest,
                sent_at=now,
                expires_at=expires,
            )
        )
        outgoing.append((employee, token))
    Acknowledgement.objects.bulk_create(rows, batch_size=500)  # one statement per 500 people
    if outgoing:
        transaction.on_commit(lambda: _send(doc, outgoing, reminder=False))
    return len(outgoing)


def invite_newcomers(organisation: Organisation) -> int:
    """Links for people added after the latest versions were adopted (called after an import
    and by the worker)."""
    sent = 0
    with transaction.atomic():
        for doc in latest_documents(organisation).values():
            sent += _invite(doc, Employee.objects.filter(organisation=organisation))
    return sent


def _link(organisation: Organisation, path: str) -> str:
    """A link in an e-mail or a document; without any public address configured, on the
    address `make run` serves on (development)."""
    return public_url(organisation, path) or f"http://127.0.0.1:8000{path}"


def ack_url(organisation: Organisation, token: str, lang: str = "km") -> str:
    with translation.override(lang):
        path = reverse("safeguarding_ack", kwargs={"token": token})
    return _link(organisation, path)


def _send(doc: Document, outgoing: list[tuple[Employee, str]], *, reminder: bool) -> None:
    """One message per person, in Khmer and English, through the configured mail settings
    (development: files under DATA_DIR/outbox). A failed send is logged; the reminder job
    sends a new link later."""
    organisation = doc.organisation
    subject = f"{_label(doc.kind, 'km')} / {_label(doc.kind, 'en')} v{doc.version}"
    messages = [
        EmailMessage(
            subject=subject,
            body=render_to_string(
                "safeguarding/ack_mail.txt",
                {
                    "doc": doc,
                    "kind_en": _label(doc.kind, "en"),
                    "kind_km": _label(doc.kind, "km"),
                    "org": organisation,
                    "url": ack_url(organisation, token),
                    "url_en": ack_url(organisation, token, "en"),
                    "days": settings.KARPEAR_ACK_LINK_DAYS,
                    "reminder": reminder,
                },
            ),
            to=[employee.email],
        )
        for employee, token in outgoing
    ]
    try:
        get_connection().send_messages(messages)
    except OSError:
        log.warning("%d acknowledgement links not sent yet", len(messages))


def _label(kind: str, lang: str) -> str:
    with translation.override(lang):
        return str(DocumentKind(kind).label)


class LinkRefused(ApplicationError):
    status = 410
    code = "link_refused"


def access_acknowledgement(
    *, token: str, organisation: Organisation | None = None, request: HttpRequest | None = None
) -> Acknowledgement:
    """The acknowledgement a link asks for, or LinkRefused (audited) when the link is unknown,
    already used, replaced by a reminder, expired, or opened on another organisation's site
    (organisations never mix). The refusal says the same for each."""
    digest = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
    ack = (
        Acknowledgement.objects.select_related("document__organisation", "employee")
        .filter(token_digest=digest)
        .first()
    )
    reason = ""
    if ack is None:
        reason = "unknown_or_used"
    elif ack.expires_at <= timezone.now():
        reason = "expired"
    elif ack.employee.left_on is not None or ack.employee.erased_at is not None:
        reason = "left"
    elif organisation is not None and ack.document.organisation_id != organisation.pk:
        reason = "other_organisation"
    if reason:
        audit_record(
            action="ack_link_refused",
            organisation=ack.document.organisation if ack else None,
            actor_label="public",
            object_type="acknowledgement",
            object_id=ack.pk if ack else "",
            detail={"reason": reason},
            request=request,
        )
        raise LinkRefused(
            _(
                "This link does not work any more: it was already used or it expired. "
                "Ask the safeguarding officer for a new one."
            )
        )
    assert ack is not None
    return ack


def acknowledge(
    *, token: str, organisation: Organisation | None = None, request: HttpRequest | None = None
) -> Acknowledgement:
    """Record the acknowledgement and spend the link. The conditional UPDATE (token still
    there) lets exactly one of two simultaneous clicks count; the other is refused. Refusals
    are audited outside the transaction, so the record of them stays."""
    ack = access_acknowledgement(token=token, organisation=organisation, request=request)
    now = timezone.now()
    with transaction.atomic():
        done = Acknowledgement.objects.filter(
            pk=ack.pk, token_digest=ack.token_digest, acknowledged_at__isnull=True
        ).update(token_digest=None, acknowledged_at=now)
        if done == 1:
            audit_record(
                action="safeguarding_acknowledge",
                organisation=ack.document.organisation,
                actor_label=f"employee {ack.employee_id}",
                object_type="safeguarding_document",
                object_id=ack.document_id,
                detail={"employee": ack.employee_id, "version": ack.document.version},
                request=request,
            )
    if done != 1:
        return access_acknowledgement(token=token, organisation=organisation, request=request)
    ack.acknowledged_at = now
    return ack


def remind_due(*, now: datetime | None = None) -> int:
    """Worker job: invite newcomers to the latest versions, then send a new link (the old one
    stops working) to whoever has not acknowledged KARPEAR_ACK_REMIND_DAYS after the last
    message, at most KARPEAR_ACK_REMINDERS times."""
    now = now or timezone.now()
    done = 0
    for organisation in Organisation.objects.all():
        done += invite_newcomers(organisation)
    due = (
        Acknowledgement.objects.filter(
            acknowledged_at__isnull=True,
            reminders__lt=settings.KARPEAR_ACK_REMINDERS,
            sent_at__lte=now - timedelta(days=settings.KARPEAR_ACK_REMIND_DAYS),
            employee__left_on__isnull=True,
            employee__erased_at__isnull=True,
        )
        .select_related("document__organisation", "employee")
        .order_by("pk")[:500]
    )
    for ack in due:
        token, digest = _token()
        with transaction.atomic():
            changed = Acknowledgement.objects.filter(
                pk=ack.pk, acknowledged_at__isnull=True, reminders=ack.reminders
            ).update(
                token_digest=digest,
                sent_at=now,
                expires_at=now + timedelta(days=settings.KARPEAR_ACK_LINK_DAYS),
                reminders=ack.reminders + 1,
            )
            if changed:
                transaction.on_commit(
                    partial(_send, ack.document, [(ack.employee, token)], reminder=True)
                )
                done += 1
    return done
