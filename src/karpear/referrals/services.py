"""Sending referral reports and the recipient's inbox (issue #17, items 1-3).

Guidelines 2.6, item 31: refer to the Anti-Cybercrime Unit; cases outside the company's
service go to the hotline. Each referral is a delivery with an answer: the recipient reads it
over the API with its own issuer key and acknowledges it with its case number. Every read and
acknowledgement is audited; another recipient's referral is "not found".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.apikeys.models import ApiKey
from karpear.audit.services import audit_record
from karpear.cases.models import Authority, Case, CaseEvent, State
from karpear.core.errors import ApplicationError, NotFound
from karpear.notices.models import Issuer, IssuerKind
from karpear.orgs.models import Organisation
from karpear.referrals.inboxes import readable_by
from karpear.referrals.models import Purpose, Referral
from karpear.referrals.report import SCHEMA_VERSION, report_build
from karpear.staff.models import StaffMember

# The authorities with an inbox; "other" stays a typed reference on the case.
INBOX_KIND = {Authority.ACU: IssuerKind.ACU, Authority.HOTLINE: IssuerKind.HOTLINE}


def _now() -> datetime:
    return timezone.now().replace(microsecond=0)


def recipient_for(*, organisation: Organisation, kind: IssuerKind) -> Issuer | None:
    """The active registered issuer of this kind: the guidelines' two are present by default."""
    from karpear.notices.services import issuers  # notices imports cases: import late

    issuers(organisation)
    return (
        Issuer.objects.filter(organisation=organisation, kind=kind, active=True)
        .order_by("pk")
        .first()
    )


def referral_send(
    *,
    case: Case,
    recipient: Issuer,
    purpose: Purpose,
    member: StaffMember | None,
    request: HttpRequest | None = None,
) -> Referral:
    """Build the report from the case and put it in the recipient's inbox.

    Referring a case again to the same recipient re-sends the one referral (with the report
    rebuilt while it is unacknowledged), so the recipient never sees the case twice.
    Runs inside the caller's transaction (case_transition holds the case row).
    """
    if recipient.organisation_id != case.organisation_id:
        raise NotFound(_("There is no such recipient."))
    built = report_build(case=case)
    now = _now()
    # The latest of the chain (a first referral and its follow-ups).
    referral = Referral.objects.filter(case=case, recipient=recipient).order_by("-pk").first()
    if referral is None:
        try:
            with transaction.atomic():
                referral = Referral.objects.create(
                    organisation_id=case.organisation_id,
                    case=case,
                    recipient=recipient,
                    purpose=purpose,
                    schema_version=SCHEMA_VERSION,
                    report=built.report,
                    withheld=built.withheld,
                    created_by=member.user if member else None,
                    created_at=now,
                    last_sent_at=now,
                )
        except IntegrityError:
            referral = Referral.objects.get(case=case, recipient=recipient, follows__isnull=True)
    elif referral.acknowledged_at is None:
        referral.report, referral.withheld = built.report, built.withheld
        referral.last_sent_at, referral.send_count = now, referral.send_count + 1
        referral.save(update_fields=["report", "withheld", "last_sent_at", "send_count"])
    CaseEvent.objects.create(
        case=case,
        kind="referral_sent",
        actor=member.user if member else None,
        at=now,
        detail={"referral": referral.pk, "recipient": recipient.name, "purpose": purpose},
    )
    _audit_staff(member, case, "referral_send", referral, request)
    return referral


def referrals_on_transition(
    *,
    case: Case,
    member: StaffMember,
    to_state: State,
    authorities: list[Authority],
    request: HttpRequest | None = None,
) -> list[Referral]:
    """The deliveries a move implies: "referred" to each authority with an inbox; "outside our
    service" to the hotline (guidelines 2.6: content outside the service goes to the hotline)."""
    if to_state == State.REFERRED:
        wanted = [(INBOX_KIND[a], Purpose.REFERRED) for a in authorities if a in INBOX_KIND]
    elif to_state == State.OUTSIDE_SERVICE:
        wanted = [(IssuerKind.HOTLINE, Purpose.OUTSIDE_SERVICE)]
    else:
        return []
    sent = []
    for kind, purpose in dict(wanted).items():
        recipient = recipient_for(organisation=member.organisation, kind=kind)
        if recipient is None:
            raise ApplicationError(
                _("No active recipient is registered for this referral; add one on the desk."),
                code="no_recipient",
                status=409,
            )
        sent.append(
            referral_send(
                case=case, recipient=recipient, purpose=purpose, member=member, request=request
            )
        )
    return sent


@transaction.atomic
def referral_resend(
    *, referral: Referral, member: StaffMember, request: HttpRequest | None = None
) -> Referral:
    """Send an unacknowledged referral again (the desk's overdue list)."""
    referral = access_referral_staff(member=member, referral_id=referral.pk, for_update=True)
    if referral.acknowledged_at is not None:
        raise ApplicationError(
            _("This referral was already acknowledged."), code="already_acknowledged", status=409
        )
    case = referral.case
    purpose = Purpose(referral.purpose)
    if purpose == Purpose.CHILD:
        # A child's referral carries only what the child agreed to share: sent again as it
        # was approved, never rebuilt from the case (guidelines 2.6, referral with consent).
        now = _now()
        Referral.objects.filter(pk=referral.pk).update(
            last_sent_at=now, send_count=F("send_count") + 1
        )
        referral.refresh_from_db()
        CaseEvent.objects.create(
            case=case,
            kind="referral_sent",
            actor=member.user,
            at=now,
            detail={
                "referral": referral.pk,
                "recipient": referral.recipient.name,
                "purpose": purpose,
            },
        )
        _audit_staff(member, case, "referral_send", referral, request)
        return referral
    return referral_send(
        case=case, recipient=referral.recipient, purpose=purpose, member=member, request=request
    )


@transaction.atomic
def referral_follow_up(
    *, member: StaffMember, referral_id: int, request: HttpRequest | None = None
) -> Referral:
    """Refer the case again to the same recipient because new evidence arrived after it
    acknowledged `referral`: a new referral linked to it (`follows`), so the recipient files
    it with its own case number. Nothing new in the vault, no follow-up (409); a second click
    returns the follow-up already made; a child's referral is never rebuilt from the case.
    Lock: the earlier referral's row (FOR UPDATE; the unique `follows` settles SQLite)."""
    earlier = access_referral_staff(member=member, referral_id=referral_id, for_update=True)
    if earlier.purpose == Purpose.CHILD:
        raise ApplicationError(
            _("A child's referral is not followed up from the case."), code="child_referral"
        )
    existing = Referral.objects.filter(follows=earlier).first()
    if existing is not None:
        return existing
    if earlier.acknowledged_at is None:
        raise ApplicationError(
            _("Not acknowledged yet: send it again instead."), code="not_acknowledged", status=409
        )
    built = report_build(case=earlier.case)
    sent = {f.get("sha256") for f in earlier.report.get("files", [])}
    new = [f["sha256"] for f in built.report["files"] if f["sha256"] not in sent]
    if not new:
        raise ApplicationError(
            _("No new evidence since this referral: there is nothing to follow up."),
            code="nothing_new",
            status=409,
        )
    now = _now()
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                organisation_id=earlier.organisation_id,
                case=earlier.case,
                recipient=earlier.recipient,
                purpose=earlier.purpose,
                schema_version=SCHEMA_VERSION,
                report=built.report,
                withheld=built.withheld,
                created_by=member.user,
                created_at=now,
                last_sent_at=now,
                follows=earlier,
            )
    except IntegrityError:
        return Referral.objects.get(follows=earlier)
    CaseEvent.objects.create(
        case=earlier.case,
        kind="referral_sent",
        actor=member.user,
        at=now,
        detail={
            "referral": referral.pk,
            "recipient": earlier.recipient.name,
            "purpose": earlier.purpose,
            "follows": earlier.pk,
            "new_files": len(new),
        },
    )
    _audit_staff(member, earlier.case, "referral_follow_up", referral, request)
    return referral


def access_referral_staff(
    *, member: StaffMember, referral_id: int, for_update: bool = False
) -> Referral:
    """A referral of the member's own organisation, or 404."""
    rows = Referral.objects.select_related("case", "recipient")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    referral = rows.filter(pk=referral_id, organisation=member.organisation).first()
    if referral is None:
        raise NotFound(_("There is no such referral."))
    return referral


def overdue(*, organisation: Organisation) -> QuerySet[Referral]:
    """Unacknowledged referrals sent longer ago than KARPEAR_REFERRAL_ACK_HOURS."""
    limit = _now() - timedelta(hours=settings.KARPEAR_REFERRAL_ACK_HOURS)
    return (
        Referral.objects.filter(
            organisation=organisation, acknowledged_at__isnull=True, last_sent_at__lte=limit
        )
        .select_related("recipient")
        .order_by("last_sent_at", "pk")
    )


# ---------------------------------------------------------------- the recipient's inbox


def _audit_recipient(
    *,
    recipient: Issuer,
    key: ApiKey,
    action: str,
    object_type: str,
    object_id: int,
    detail: dict[str, object],
) -> None:
    """An audit entry for something the recipient did with its issuer key."""
    audit_record(
        action=action,
        organisation=recipient.organisation,
        actor_label=f"key {key.prefix}",
        object_type=object_type,
        object_id=object_id,
        detail=detail,
    )


def record_reply(
    *,
    referral: Referral,
    recipient: Issuer,
    key: ApiKey,
    kind: str,
    action: str,
    at: datetime,
    **value: str,
) -> None:
    """The recipient's answer (acknowledgement or outcome): a case event and an audit entry.
    `value` is the one answered field, e.g. reference="ACU-1"."""
    CaseEvent.objects.create(
        case_id=referral.case_id,
        kind=kind,
        at=at,
        detail={"referral": referral.pk, "recipient": recipient.name, **value},
    )
    _audit_recipient(
        recipient=recipient,
        key=key,
        action=action,
        object_type="referral",
        object_id=referral.pk,
        detail={"case": referral.case_id, **value},
    )


def inbox(
    *,
    recipient: Issuer,
    key: ApiKey,
    since: datetime | None,
    after_id: int | None = None,
    limit: int,
) -> list[Referral]:
    """The recipient's referrals, oldest first by time sent, after the cursor.

    The cursor is (since, after_id): times are stored to the second, so several referrals can
    share one; `after_id` continues within that second, and a page never skips or repeats a
    referral. Without `after_id`, referrals sent exactly at `since` are left out.
    """
    rows = (
        Referral.objects.filter(readable_by(key), recipient=recipient)
        .select_related("follows")
        .order_by("last_sent_at", "pk")
    )
    if since is not None:
        later = Q(last_sent_at__gt=since)
        if after_id is not None:
            later |= Q(last_sent_at=since, pk__gt=after_id)
        rows = rows.filter(later)
    result = list(rows[:limit])
    _audit_recipient(
        recipient=recipient,
        key=key,
        action="referral_list",
        object_type="issuer",
        object_id=recipient.pk,
        detail={"referrals": [r.pk for r in result]},
    )
    return result


def access_referral(*, recipient: Issuer, key: ApiKey, referral_id: int) -> Referral:
    """A referral as its own recipient may see it (a child's only with the key bound to the
    child's service); any other is "not found"."""
    referral = (
        Referral.objects.select_related("follows")
        .filter(readable_by(key), pk=referral_id, recipient=recipient)
        .first()
    )
    if referral is None:
        raise NotFound(_("There is no such referral."))
    return referral


@transaction.atomic
def referral_read(*, recipient: Issuer, key: ApiKey, referral_id: int) -> Referral:
    """One referral, read by its recipient: the first read is stamped, every read audited."""
    referral = access_referral(recipient=recipient, key=key, referral_id=referral_id)
    if referral.first_read_at is None:
        Referral.objects.filter(pk=referral.pk, first_read_at__isnull=True).update(
            first_read_at=_now()
        )
        referral.refresh_from_db(fields=["first_read_at"])
    _audit_recipient(
        recipient=recipient,
        key=key,
        action="referral_read",
        object_type="referral",
        object_id=referral.pk,
        detail={"case": referral.case_id, "recipient": recipient.name},
    )
    return referral


@transaction.atomic
def referral_acknowledge(
    *, recipient: Issuer, key: ApiKey, referral_id: int, reference: str
) -> tuple[Referral, bool]:
    """Record the recipient's case number. Returns (referral, newly acknowledged).

    The conditional UPDATE claims the acknowledgement, so two at once record it once. The same
    number again is a harmless retry (200); a different number is 409 and changes nothing.
    """
    reference = reference.strip()
    if not reference:
        raise ApplicationError(
            _("Give your case number."), fields={"reference": [str(_("Required."))]}
        )
    referral = access_referral(recipient=recipient, key=key, referral_id=referral_id)
    now = _now()
    claimed = Referral.objects.filter(pk=referral.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, recipient_reference=reference
    )
    referral.refresh_from_db()
    if not claimed:
        if referral.recipient_reference == reference:
            return referral, False
        raise ApplicationError(
            _("This referral was already acknowledged with another number."),
            code="already_acknowledged",
            status=409,
        )
    record_reply(
        referral=referral,
        recipient=recipient,
        key=key,
        kind="referral_ack",
        action="referral_acknowledge",
        at=now,
        reference=reference,
    )
    return referral, True


def _audit_staff(
    member: StaffMember | None,
    case: Case,
    action: str,
    referral: Referral,
    request: HttpRequest | None,
) -> None:
    audit_record(
        action=action,
        organisation=case.organisation,
        actor=member.user if member else None,
        object_type="case",
        object_id=case.pk,
        detail={"referral": referral.pk, "recipient": referral.recipient.name},
        request=request,
    )
