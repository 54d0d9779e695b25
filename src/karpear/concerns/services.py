"""Concerns raised in confidence, and their handling by the safeguarding officer (2.2).

Issue #21, items 5-7. The public page, the desk and the worker call these functions.

- The person keeps a receipt code and a secret (GlobaLeaks style). A wrong code and a wrong secret
  get the same answer after the same work (a password check runs against a dummy hash when the
  code is unknown), and both are rate limited per client and per typed code.
- Only the current safeguarding officer and deputy read concerns; a concern about the officer
  goes to the deputy only. Every read, and every refused attempt, is audited.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.concerns.models import (
    Concern,
    ConcernAbout,
    ConcernMessage,
    ConcernStatus,
    ConcernStep,
    RaisedBy,
    Side,
)
from karpear.core.clients import client_key
from karpear.core.errors import ApplicationError, NotFound
from karpear.core.ratelimit import enforce_key
from karpear.orgs.models import Organisation
from karpear.reports.references import ALPHABET, format_reference, new_reference
from karpear.safeguarding.officers import officer_positions
from karpear.staff.models import StaffMember

TEXT_MAX = 10_000
CONTACT_MAX = 300
S = ConcernStatus
# Workflow (issue #21, item 6): each status and where it may go next.
MOVES: dict[str, tuple[str, ...]] = {
    S.RECEIVED: (S.ACKNOWLEDGED,),
    S.ACKNOWLEDGED: (S.UNDER_REVIEW,),
    S.UNDER_REVIEW: (S.ACTION_TAKEN, S.NO_FURTHER_ACTION),
    S.ACTION_TAKEN: (S.CLOSED,),
    S.NO_FURTHER_ACTION: (S.CLOSED,),
    S.CLOSED: (),
}
OUTCOMES = (S.ACTION_TAKEN, S.NO_FURTHER_ACTION)
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _secret() -> str:
    return format_reference("".join(secrets.choice(ALPHABET) for _ in range(16)))  # 80 bits


def normalise(value: str) -> str:
    """Codes and secrets as typed: any case, spaces or dashes, O for 0 and I or L for 1."""
    compact = "".join(c for c in value.upper() if c.isalnum()).translate(_READ_AS)[:40]
    return format_reference(compact)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return make_password(_secret())


def _too_long(name: str, limit: int) -> ApplicationError:
    return ApplicationError(
        _("Your message is too long. Please make it shorter."),
        code="too_long",
        fields={name: [str(_("At most %(n)d characters.") % {"n": limit})]},
    )


def concern_raise(
    *,
    organisation: Organisation,
    about: str,
    raised_by: str,
    text: str,
    contact: str = "",
    names_officer: bool = False,
    request: HttpRequest | None = None,
) -> tuple[Concern, str]:
    """Store a concern; (concern, secret). The secret is shown once and never stored."""
    text, contact = text.strip(), contact.strip()
    if about not in ConcernAbout.values or raised_by not in RaisedBy.values:
        raise ApplicationError(_("Please choose one of the answers."))
    if not text:
        raise ApplicationError(
            _("Please tell us what happened."),
            fields={"text": [str(_("Please tell us what happened."))]},
        )
    if len(text) > TEXT_MAX:
        raise _too_long("text", TEXT_MAX)
    if len(contact) > CONTACT_MAX:
        raise _too_long("contact", CONTACT_MAX)
    secret = _secret()
    now = timezone.now()
    with transaction.atomic():
        concern = Concern.objects.create(
            organisation=organisation,
            code=new_reference(),
            secret_hash=make_password(secret),
            about=about,
            raised_by=raised_by,
            names_officer=names_officer,
            text=text.replace("\r\n", "\n"),
            contact=contact,
            received_at=now,
            acknowledge_by=now + timedelta(hours=settings.KARPEAR_CONCERN_ACK_HOURS),
        )
        ConcernStep.objects.create(concern=concern, status=S.RECEIVED, at=now)
        # The record says a concern arrived; nothing about what it says or who sent it.
        audit_record(
            action="concern_raise",
            organisation=organisation,
            actor_label="public",
            object_type="concern",
            object_id=concern.pk,
            detail={"about": about, "to_deputy_only": names_officer},
        )
    return concern, secret


def concern_refused(
    *, organisation: Organisation, fields: list[str], request: HttpRequest | None = None
) -> None:
    """Record that a concern was refused (too long, empty, a wrong choice): which fields, never
    what was written. The page's rate limit keeps this from flooding the log."""
    audit_record(
        action="concern_refused",
        organisation=organisation,
        actor_label="public",
        object_type="concern",
        detail={"fields": sorted(fields)[:10]},
        request=request,
    )


class WrongReceipt(ApplicationError):
    status = 403
    code = "wrong_receipt"


def concern_open(
    *, organisation: Organisation, code: str, secret: str, request: HttpRequest | None = None
) -> Concern:
    """The concern this receipt opens, for the person who raised it.

    Rate limits (KARPEAR_RATE_CONCERN_READS per client, KARPEAR_CONCERN_CODE_TRIES per typed
    code) apply before anything is checked, and an unknown code, a wrong secret and an erased
    concern all get WrongReceipt after one password check, so the answer and the time it takes
    tell nothing about which was wrong.
    """
    code, secret = normalise(code), normalise(secret)
    for action, key, rate in (
        (
            "concern_read",
            client_key(request) if request else "-",
            settings.KARPEAR_RATE_CONCERN_READS,
        ),
        ("concern_code", f"{organisation.pk}|{code}", settings.KARPEAR_CONCERN_CODE_TRIES),
    ):
        enforce_key(action, key, rate, _("Too many tries. Please wait and try again later."))
    concern = Concern.objects.filter(organisation=organisation, code=code).first()
    stored = concern.secret_hash if concern is not None and concern.secret_hash else _dummy_hash()
    matches = check_password(secret, stored)
    if concern is None or not concern.secret_hash or not matches:
        audit_record(
            action="concern_receipt_refused",
            organisation=organisation,
            actor_label="public",
            object_type="concern",
            request=request,
        )
        raise WrongReceipt(
            _("The receipt code or the secret is not right. Please check both and try again.")
        )
    return concern


def concern_answer(
    *, concern: Concern, body: str, request: HttpRequest | None = None
) -> ConcernMessage:
    """The person answers (after concern_open): still anonymous, until the concern is closed."""
    body = body.strip()
    if not body:
        raise ApplicationError(_("Please write your message."))
    if len(body) > TEXT_MAX:
        raise _too_long("body", TEXT_MAX)
    if concern.is_closed:
        raise ApplicationError(_("This concern is closed. You can raise a new one."), status=409)
    with transaction.atomic():
        message = ConcernMessage.objects.create(
            concern=concern, side=Side.REPORTER, body=body, sent_at=timezone.now()
        )
        audit_record(
            action="concern_answer",
            organisation=concern.organisation,
            actor_label="public",
            object_type="concern",
            object_id=concern.pk,
        )
    return message


def thread(concern: Concern) -> list[ConcernMessage]:
    return list(concern.messages.order_by("sent_at", "pk"))


# The desk side -------------------------------------------------------------------------------


def may_read(member: StaffMember, concern: Concern) -> bool:
    positions = officer_positions(member)
    if concern.names_officer:
        return "deputy" in positions
    return bool(positions)


def _refuse(member: StaffMember, concern_id: int | str, request: HttpRequest | None) -> None:
    audit_record(
        action="concern_read_refused",
        organisation=member.organisation,
        actor=member.user,
        object_type="concern",
        object_id=concern_id,
        request=request,
    )
    raise PermissionDenied("Only the safeguarding officer and deputy read concerns.")


def concern_list(*, member: StaffMember, request: HttpRequest | None = None) -> list[Concern]:
    """The concerns this officer or deputy may read (listing is audited as a read)."""
    positions = officer_positions(member)
    if not positions:
        _refuse(member, "", request)
    found: QuerySet[Concern] = Concern.objects.filter(organisation=member.organisation)
    if "deputy" not in positions:
        found = found.exclude(names_officer=True)
    audit_record(
        action="concern_list",
        organisation=member.organisation,
        actor=member.user,
        object_type="concern",
        request=request,
    )
    return list(found.order_by("closed_at", "acknowledge_by", "-pk")[:500])


def access_concern(
    *, member: StaffMember, concern_id: int, request: HttpRequest | None = None
) -> Concern:
    """The concern, read by its officer or deputy: every read audited; anyone else refused
    (403, audited); another organisation's looks missing (404)."""
    concern = Concern.objects.filter(pk=concern_id, organisation=member.organisation).first()
    if concern is None:
        raise NotFound(_("There is no such concern."))
    if not may_read(member, concern):
        _refuse(member, concern_id, request)
    audit_record(
        action="concern_read",
        organisation=member.organisation,
        actor=member.user,
        object_type="concern",
        object_id=concern.pk,
        request=request,
    )
    return concern


def _step(concern: Concern, status: str, reason: str, member: StaffMember | None) -> None:
    now = timezone.now()
    ConcernStep.objects.create(concern=concern, status=status, reason=reason, actor=member, at=now)
    concern.status = status
    fields = ["status"]
    if status == S.ACKNOWLEDGED:
        concern.acknowledged_at = now
        fields.append("acknowledged_at")
    elif status in OUTCOMES:
        concern.outcome, concern.decided_at = status, now
        fields += ["outcome", "decided_at"]
    elif status == S.CLOSED:
        concern.closed_at = now
        fields.append("closed_at")
    concern.save(update_fields=fields)


def concern_reply(
    *, member: StaffMember, concern_id: int, body: str, request: HttpRequest | None = None
) -> ConcernMessage:
    """The officer writes to the person, who reads it with their receipt. The first reply to a
    concern just received acknowledges it."""
    body = body.strip()
    if not body or len(body) > TEXT_MAX:
        raise _too_long("body", TEXT_MAX) if body else ApplicationError(_("Write the reply."))
    # Checked (and a refusal audited) before the transaction, so the refusal's record stays.
    access_concern(member=member, concern_id=concern_id, request=request)
    with transaction.atomic():
        concern = Concern.objects.select_for_update().get(pk=concern_id)
        if concern.is_closed:
            raise ApplicationError(_("This concern is closed."), status=409)
        message = ConcernMessage.objects.create(
            concern=concern, side=Side.OFFICER, author=member, body=body, sent_at=timezone.now()
        )
        if concern.status == S.RECEIVED:
            _step(concern, S.ACKNOWLEDGED, "", member)
        audit_record(
            action="concern_reply",
            organisation=member.organisation,
            actor=member.user,
            object_type="concern",
            object_id=concern.pk,
            request=request,
        )
    return message


def concern_transition(
    *,
    member: StaffMember,
    concern_id: int,
    to: str,
    reason: str,
    request: HttpRequest | None = None,
) -> Concern:
    """Move a concern one step (MOVES) with a reason; acknowledging needs none. Lock: the
    concern's row, FOR UPDATE, so two officers cannot move it from the same state twice."""
    reason = reason.strip()
    access_concern(member=member, concern_id=concern_id, request=request)
    with transaction.atomic():
        concern = Concern.objects.select_for_update().get(pk=concern_id)
        if to not in MOVES.get(concern.status, ()):
            raise ApplicationError(
                _("A concern cannot move from this step to that one."), code="bad_move", status=409
            )
        if to != S.ACKNOWLEDGED and not reason:
            raise ApplicationError(
                _("Give the reason."), fields={"reason": [str(_("Give the reason."))]}
            )
        if len(reason) > TEXT_MAX:
            raise _too_long("reason", TEXT_MAX)
        _step(concern, to, reason, member)
        audit_record(
            action="concern_transition",
            organisation=member.organisation,
            actor=member.user,
            object_type="concern",
            object_id=concern.pk,
            detail={"to": to},
            request=request,
        )
    return concern


def erase_expired(*, now: datetime | None = None) -> int:
    """Worker job: KARPEAR_CONCERN_RETENTION_DAYS after closing, erase every text of a concern
    (its description, contact, messages and reasons) and its secret; dates stay for figures."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.KARPEAR_CONCERN_RETENTION_DAYS)
    due = list(
        Concern.objects.filter(erased_at__isnull=True, closed_at__lte=cutoff)
        .select_related("organisation")
        .order_by("pk")[:500]
    )
    for concern in due:
        with transaction.atomic():
            ConcernMessage.objects.filter(concern=concern).update(body="")
            ConcernStep.objects.filter(concern=concern).update(reason="")
            Concern.objects.filter(pk=concern.pk).update(
                text="", contact="", secret_hash="", erased_at=now
            )
            audit_record(
                action="concern_erase",
                organisation=concern.organisation,
                actor_label="worker",
                object_type="concern",
                object_id=concern.pk,
            )
    return len(due)
