"""Complaints about decisions: receive, review by someone else, reverse on the platform.

Issue #17, items 6 and 9. Every entry point (the platform API, the public page, the desk) calls
these functions; they check, then write, in one transaction, and the platform events they queue
commit with them (outbox, platformlink).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.cases.decisions import decision_outcome_notice, decision_reverse, is_confirmed_csam
from karpear.cases.models import Decision, DecisionKind
from karpear.complaints.models import Complaint, ComplaintChannel, ComplaintStatus
from karpear.core.crypto import decrypt_text, encrypt_text
from karpear.core.errors import ApplicationError, NotFound
from karpear.orgs.models import Organisation
from karpear.reports.references import new_reference
from karpear.staff.models import Role, StaffMember

REASON_MAX = 2000
REVIEWERS = (Role.ANALYST, Role.LEAD)


class OwnDecision(ApplicationError):
    status = 403
    code = "own_decision"


def access_decision(*, organisation: Organisation, decision_id: int) -> Decision:
    """The organisation's decision, or 404: another organisation's looks like a missing one."""
    decision = (
        Decision.objects.select_related("case")
        .filter(pk=decision_id, organisation=organisation)
        .first()
    )
    if decision is None:
        raise NotFound(_("We could not find this decision."))
    return decision


def complaint_submit(
    *,
    organisation: Organisation,
    decision: Decision,
    channel: ComplaintChannel,
    reason: str,
    request: HttpRequest | None = None,
) -> tuple[Complaint, bool]:
    """Receive a complaint about `decision`; (complaint, created).

    A decision is contested once: a repeat (a retry, a second click, the platform and the page
    both) returns the first complaint unchanged, so nothing is reviewed twice. The unique
    decision column decides a race between two repeats.
    """
    if decision.organisation_id != organisation.pk:
        raise NotFound(_("We could not find this decision."))
    existing = Complaint.objects.filter(decision=decision).first()
    if existing is not None:
        return existing, False
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise ApplicationError(
            _("Some answers need to be checked."),
            fields={"reason": [str(_("At most 2000 characters."))]},
        )
    if decision.kind == DecisionKind.CONTENT_RESTORE:
        raise ApplicationError(
            _("This decision put content back; there is nothing to contest."),
            code="not_contestable",
        )
    now = timezone.now().replace(microsecond=0)
    if decision.decided_at + timedelta(days=settings.KARPEAR_COMPLAINT_WINDOW_DAYS) < now:
        raise ApplicationError(
            _("The time to contest this decision has passed."), code="too_late", status=409
        )
    try:
        with transaction.atomic():
            complaint = Complaint.objects.create(
                organisation=organisation,
                decision=decision,
                reference=new_reference(),
                channel=channel,
                reason_encrypted=encrypt_text(reason) if reason else "",
                received_at=now,
                due_at=now + timedelta(hours=settings.KARPEAR_COMPLAINT_REVIEW_HOURS),
            )
            audit_record(
                action="complaint_received",
                organisation=organisation,
                actor_label=str(channel),
                object_type="complaint",
                object_id=complaint.pk,
                detail={"decision": decision.pk, "channel": channel},
                request=request,
            )
    except IntegrityError:
        # Another request won the race for this decision: answer with its complaint.
        return Complaint.objects.get(decision=decision), False
    return complaint, True


def complaint_reason(complaint: Complaint) -> str:
    """What the account holder wrote, decrypted; "" if they wrote nothing or it was erased."""
    return decrypt_text(complaint.reason_encrypted) if complaint.reason_encrypted else ""


def erase_expired_complaint_reasons(*, now: datetime | None = None) -> int:
    """Worker job: erase what account holders wrote, KARPEAR_COMPLAINT_RETENTION_DAYS after
    the complaint was decided (the same kind of schedule as reporters' contacts, which go
    KARPEAR_CONTACT_RETENTION_DAYS after their case closed). The outcome, its reasons and the
    figures stay. Restart-safe: the state lives in the rows."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.KARPEAR_COMPLAINT_RETENTION_DAYS)
    due = list(
        Complaint.objects.filter(reviewed_at__lt=cutoff, reason_erased_at__isnull=True)
        .exclude(status=ComplaintStatus.RECEIVED)
        .select_related("organisation")[:1000]
    )
    for complaint in due:
        with transaction.atomic():
            Complaint.objects.filter(pk=complaint.pk).update(
                reason_encrypted="", reason_erased_at=now
            )
            audit_record(
                action="complaint_reason_erased",
                organisation=complaint.organisation,
                actor_label="worker",
                object_type="complaint",
                object_id=complaint.pk,
            )
    return len(due)


def access_complaint(
    *, member: StaffMember, complaint_id: int, request: HttpRequest | None = None
) -> Complaint:
    """The member's organisation's complaint, or 404; every view is audited."""
    complaint = (
        Complaint.objects.select_related("decision", "decision__case")
        .filter(pk=complaint_id, organisation_id=member.organisation_id)
        .first()
    )
    if complaint is None:
        raise NotFound(_("There is no such complaint."))
    audit_record(
        action="complaint_view",
        organisation=member.organisation,
        actor=member.user,
        object_type="complaint",
        object_id=complaint.pk,
        request=request,
    )
    return complaint


def may_review(member: StaffMember, complaint: Complaint) -> bool:
    """Nobody reviews their own decision: the reviewer is another analyst or lead."""
    return member.role in REVIEWERS and member.user_id != complaint.decision.decided_by_id


@transaction.atomic
def complaint_decide(
    *,
    member: StaffMember,
    complaint_id: int,
    outcome: ComplaintStatus,
    reason: str,
    request: HttpRequest | None = None,
) -> Complaint:
    """Decide a complaint: the decision is upheld or reversed, with reasons.

    1. Lock the complaint row (select_for_update) so two reviewers cannot both decide it.
    2. Refuse the decider themself, an already decided complaint, a reversal of content
       confirmed as CSAM (reclassify the case first if that classification was wrong).
    3. On reversal, undo the action on the platform (cases.decisions.decision_reverse).
    4. Tell the account holder the outcome through the platform, and audit.
    """
    complaint = (
        Complaint.objects.select_for_update()
        .filter(pk=complaint_id, organisation_id=member.organisation_id)
        .first()
    )
    if complaint is None:
        raise NotFound(_("There is no such complaint."))
    decision = Decision.objects.select_related("case").get(pk=complaint.decision_id)
    if outcome not in (ComplaintStatus.UPHELD, ComplaintStatus.REVERSED):
        raise ApplicationError(
            _("Some answers need to be checked."),
            fields={"outcome": [str(_("Choose: the decision stays, or it is reversed."))]},
        )
    if not may_review(member, complaint):
        raise OwnDecision(_("Someone other than the person who decided must review this."))
    if not complaint.is_open:
        raise ApplicationError(
            _("This complaint already has an outcome."), code="decided", status=409
        )
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            _("Some answers need to be checked."),
            fields={"reason": [str(_("Say why, in words the person will understand."))]},
        )
    if (
        outcome == ComplaintStatus.REVERSED
        and decision.kind in (DecisionKind.CONTENT_ISOLATE, DecisionKind.CONTENT_REMOVE)
        and is_confirmed_csam(decision.case)
    ):
        raise ApplicationError(
            _(
                "Content confirmed as child sexual abuse material is never put back. If the "
                "classification was wrong, correct it on the case first."
            ),
            code="csam_never_restored",
            status=409,
        )
    now = timezone.now().replace(microsecond=0)
    reversed_ = outcome == ComplaintStatus.REVERSED
    action_reversed = (
        decision_reverse(decision=decision, member=member, reason=reason, request=request)
        if reversed_
        else False
    )
    complaint.status = outcome
    complaint.outcome_reason = reason[:REASON_MAX]
    complaint.reviewed_by = member.user
    complaint.reviewed_at = now
    complaint.action_reversed = action_reversed
    complaint.save(
        update_fields=["status", "outcome_reason", "reviewed_by", "reviewed_at", "action_reversed"]
    )
    decision_outcome_notice(decision=decision, reversed_=reversed_, reason=complaint.outcome_reason)
    audit_record(
        action="complaint_decided",
        organisation=member.organisation,
        actor=member.user,
        object_type="complaint",
        object_id=complaint.pk,
        detail={"outcome": outcome, "decision": decision.pk, "action_reversed": action_reversed},
        request=request,
    )
    return complaint
