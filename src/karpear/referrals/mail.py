"""Sending an unacknowledged referral by e-mail (issue #17, item 2).

A recipient that has not acknowledged in time may not be reading its inbox. The desk can then
send the frozen report as the Khmer/English PDF by e-mail, through Django's configured mail
backend (development writes to DATA_DIR/outbox/, like the blocklist appeals). The address is
never typed on the spot: it is a registered recipient of the same kind in the register the lead
or administrator keeps (evidence/recipients.py; guidelines 2.6 b, disclose only to law
enforcement or a recognised hotline), so one analyst cannot send a case to an address of their
choosing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.cases.models import CaseEvent
from karpear.core.errors import ApplicationError, NotFound
from karpear.evidence.models import Recipient
from karpear.referrals.models import Purpose, Referral
from karpear.referrals.paper import render_pdf
from karpear.referrals.selectors import DISCLOSURE_KIND
from karpear.referrals.services import access_referral_staff
from karpear.staff.models import StaffMember


def _is_address(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def email_recipients(*, referral: Referral) -> list[Recipient]:
    """Usable (confirmed, on the register) recipients of the referral's kind with an e-mail
    address as contact."""
    kind = DISCLOSURE_KIND.get(referral.recipient.kind)
    if kind is None or referral.purpose == Purpose.CHILD:
        return []  # a child's referral goes only to the service the child agreed to
    rows = (
        Recipient.objects.filter(organisation_id=referral.organisation_id, kind=kind)
        .usable()
        .order_by("agency", "name", "pk")
    )
    return [r for r in rows if _is_address(r.contact.strip())]


def referral_email(
    *,
    member: StaffMember,
    referral_id: int,
    recipient_id: int,
    request: HttpRequest | None = None,
) -> Referral:
    """E-mail the report (PDF attached) to a registered recipient, then record it.

    1. Check: the referral is the organisation's and not acknowledged; the address is one of
       `email_recipients` for it.
    2. Send through the mail backend; a failure raises 503 and records nothing.
    3. Record: counted as a sending (send_count, last_sent_at), a case event and an audit entry
       naming the registered recipient (not the report's content).
    """
    referral = access_referral_staff(member=member, referral_id=referral_id)
    if referral.acknowledged_at is not None:
        raise ApplicationError(
            _("This referral was already acknowledged."), code="already_acknowledged", status=409
        )
    to = next((r for r in email_recipients(referral=referral) if r.pk == recipient_id), None)
    if to is None:
        raise NotFound(_("There is no such registered recipient with an e-mail address."))
    bodies = []
    for language in ("km", "en"):
        with translation.override(language):
            bodies.append(render_to_string("referrals/email.txt", {"referral": referral, "to": to}))
    # A name never breaks a header: Django refuses newlines there (BadHeaderError).
    name = " ".join(referral.recipient.name.split())
    message = EmailMessage(
        subject=f"Karpear referral {referral.pk} · case {referral.case_id} · {name}",
        body="\n\n".join(bodies),
        to=[to.contact.strip()],
    )
    message.attach(f"referral-{referral.pk}.pdf", render_pdf(referral=referral), "application/pdf")
    try:
        message.send()
    except OSError as exc:
        raise ApplicationError(
            _("The e-mail could not be sent; try again later."), code="mail_failed", status=503
        ) from exc
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(
            last_sent_at=now, send_count=F("send_count") + 1
        )
        CaseEvent.objects.create(
            case_id=referral.case_id,
            kind="referral_emailed",
            actor=member.user,
            at=now,
            detail={
                "referral": referral.pk,
                "recipient": referral.recipient.name,
                "to": f"{to.name}, {to.agency}",
            },
        )
        audit_record(
            action="referral_email",
            organisation=member.organisation,
            actor=member.user,
            object_type="case",
            object_id=referral.case_id,
            detail={"referral": referral.pk, "registered_recipient": to.pk},
            request=request,
        )
    referral.refresh_from_db()
    return referral
