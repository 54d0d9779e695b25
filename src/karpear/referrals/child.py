"""E-referral of the child to a child-protection service, with consent (issue #17, item 5).

Guidelines 2.6, item 32: refer the child into the formal child-protection system, with
consent. The referral rests on a recorded consent (cases.VictimReferral with who, how, when
and by whom) and shares only the fields the child or carer agreed to, chosen on the form.
Without consent nothing about the child leaves the company. A service whose issuer key two
keepers bound to its directory entry (referrals/inboxes.py) reads it in the same inbox as the
police, acknowledges it with its own reference, and reports an outcome (contacted / could not
reach / declined). The desk never scores risk: the service assesses the child.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.apikeys.models import ApiKey
from karpear.audit.services import audit_record
from karpear.cases.models import CaseEvent, ReferralService, VictimReferral
from karpear.core.errors import ApplicationError, NotFound
from karpear.evidence.recipients import clean_text
from karpear.evidence.services import personnel_cleared
from karpear.notices.models import Issuer
from karpear.notices.services import issuer_for_key
from karpear.referrals.inboxes import inbox_binding
from karpear.referrals.models import (
    ChildReferralProposal,
    Outcome,
    ProposalStatus,
    Purpose,
    Referral,
    ServiceInbox,
)
from karpear.referrals.report import NOT_AGREED
from karpear.referrals.services import access_referral, record_reply
from karpear.reports.models import Report
from karpear.reports.services import report_contact
from karpear.staff.models import CASE_ROLES, Role, StaffMember

CHILD_SCHEMA_VERSION = "child-1.0"
# What may be shared, each only when chosen on the form (the minimum the child agreed to).
SHAREABLE = ("name", "phone", "email", "age_band", "concern")
SHAREABLE_LABELS = {
    "name": _("The name the reporter gave"),
    "phone": _("The phone number the reporter gave"),
    "email": _("The e-mail address the reporter gave"),
    "age_band": _("The child's apparent age band"),
    "concern": _("What the report was about (its category)"),
}


def _now() -> datetime:
    return timezone.now().replace(microsecond=0)


def service_inbox(service: ReferralService) -> Issuer | None:
    """The issuer whose bound key reads this service's referrals; None means the service
    works on paper or e-mail. Only a binding two keepers made counts (referrals/inboxes.py),
    never a name: any issuer key can carry any name."""
    bound = _bound_inbox(service)
    return bound[0] if bound is not None else None


def _bound_inbox(service: ReferralService) -> tuple[Issuer, ServiceInbox] | None:
    binding = inbox_binding(service)
    if binding is None:
        return None
    try:
        return issuer_for_key(binding.key), binding
    except ApplicationError:  # the issuer was made inactive
        return None


def _child_fields(victim: VictimReferral, fields: list[str]) -> dict[str, Any]:
    case = victim.case
    contact: dict[str, str] = {}
    for report in Report.objects.filter(pk__in=case.case_reports.values("report_id")):
        contact = report_contact(report) or {}
        if contact:
            break
    available = {
        "name": contact.get("name", ""),
        "phone": contact.get("phone", ""),
        "email": contact.get("email", ""),
        "age_band": case.age_band,
        "concern": case.category,
    }
    return {f: available[f] for f in fields if available[f]}


def _consented_victim(*, member: StaffMember, victim_referral_id: int) -> VictimReferral:
    """The organisation's consent record, refusing one without consent or a service."""
    victim = (
        VictimReferral.objects.select_related("case", "service")
        .filter(pk=victim_referral_id, case__organisation_id=member.organisation_id)
        .first()
    )
    if victim is None:
        raise NotFound(_("There is no such referral."))
    if victim.consent_by == VictimReferral.ConsentBy.NONE or victim.service is None:
        # Guidelines 2.6: without consent nothing about the child leaves the company.
        raise ApplicationError(
            _("Without recorded consent nothing about the child is sent."),
            code="consent_required",
            status=409,
        )
    return victim


def _inbox_of(victim: VictimReferral) -> tuple[Issuer, ServiceInbox]:
    assert victim.service is not None  # _consented_victim checked it
    bound = _bound_inbox(victim.service)
    if bound is None:
        raise ApplicationError(
            _(
                "This service has no confirmed inbox, so it cannot receive a child's referral: "
                "a key must be issued for it and confirmed by a second person on the Referral "
                "services page. Until then, send the referral by letter or e-mail."
            ),
            code="no_inbox",
            status=409,
        )
    return bound


def _event(proposal: ChildReferralProposal, kind: str, member: StaffMember, **detail: Any) -> None:
    CaseEvent.objects.create(
        case_id=proposal.case_id,
        kind=kind,
        actor=member.user,
        at=_now(),
        reason=proposal.reason if kind != "child_referral_proposed" else "",
        detail={"proposal": proposal.pk, **detail},
    )


def _audit(
    proposal: ChildReferralProposal,
    action: str,
    member: StaffMember,
    request: HttpRequest | None,
    **detail: Any,
) -> None:
    audit_record(
        action=action,
        organisation=member.organisation,
        actor=member.user,
        object_type="case",
        object_id=proposal.case_id,
        detail={"proposal": proposal.pk, **detail},
        request=request,
    )


@transaction.atomic
def child_referral_propose(
    *,
    victim_referral_id: int,
    member: StaffMember,
    fields: list[str],
    request: HttpRequest | None = None,
) -> ChildReferralProposal:
    """Propose a consented child referral with the fields ticked on the form; nothing is sent.

    1. Check: the safeguarding lead; the consent record is this organisation's and names a
       consent and a service; consent was not withdrawn; the fields are known; the service
       has an inbox.
    2. Do: a proposal holding the field names (never their values); timeline; audit.
    A repeated form returns the open (or approved) proposal.
    """
    if member.role != Role.LEAD:
        raise ApplicationError(
            _("Only the safeguarding lead refers a child."), code="forbidden", status=403
        )
    victim = _consented_victim(member=member, victim_referral_id=victim_referral_id)
    earlier = ChildReferralProposal.objects.filter(victim_referral=victim)
    if earlier.filter(status=ProposalStatus.WITHDRAWN).exists():
        raise ApplicationError(
            _("Consent to this referral was withdrawn; record consent again to refer."),
            code="consent_withdrawn",
            status=409,
        )
    current = earlier.filter(status__in=(ProposalStatus.PROPOSED, ProposalStatus.APPROVED)).first()
    if current is not None:
        return current
    unknown = sorted(set(fields) - set(SHAREABLE))
    if unknown or not fields:
        raise ApplicationError(
            _("Choose what the child agreed to share."),
            fields={"fields": [", ".join(unknown) or str(_("Choose at least one."))]},
        )
    recipient, _binding = _inbox_of(victim)
    try:
        with transaction.atomic():
            proposal = ChildReferralProposal.objects.create(
                organisation_id=member.organisation_id,
                case=victim.case,
                victim_referral=victim,
                fields=[f for f in SHAREABLE if f in fields],
                proposed_by=member.user,
                proposed_at=_now(),
            )
    except IntegrityError:  # the same form twice at once: one_open_child_proposal
        return ChildReferralProposal.objects.get(
            victim_referral=victim, status=ProposalStatus.PROPOSED
        )
    _event(proposal, "child_referral_proposed", member, recipient=recipient.name)
    _audit(proposal, "child_referral_propose", member, request, fields=proposal.fields)
    return proposal


def access_proposal(*, member: StaffMember, proposal_id: int) -> ChildReferralProposal:
    """A proposal of the member's own organisation, or 404."""
    proposal = (
        ChildReferralProposal.objects.select_related("victim_referral__service", "case")
        .filter(pk=proposal_id, organisation_id=member.organisation_id)
        .first()
    )
    if proposal is None:
        raise NotFound(_("There is no such referral."))
    return proposal


def _require_second_person(proposal: ChildReferralProposal, member: StaffMember) -> None:
    """A different case worker, cleared on the personnel register (guidelines 2.6 b)."""
    if member.role not in CASE_ROLES or not personnel_cleared(member):
        raise ApplicationError(
            _("Only a case worker with a clear screening approves a child's referral."),
            code="forbidden",
            status=403,
        )
    if proposal.proposed_by_id == member.user_id:
        raise ApplicationError(
            _("Nobody approves their own proposal: a second person must."),
            code="own_proposal",
            status=403,
        )


def _refuse_closed(proposal: ChildReferralProposal) -> None:
    raise ApplicationError(
        _("This proposal is closed: %(status)s.")
        % {"status": ProposalStatus(proposal.status).label},
        code="proposal_closed",
        status=409,
    )


@transaction.atomic
def child_referral_approve(
    *, proposal_id: int, member: StaffMember, request: HttpRequest | None = None
) -> Referral:
    """A second person approves: only now does the referral reach the service's inbox.

    1. Check: the member is a different, screened case worker of the organisation; the
       proposal is open; consent still stands; the service still has an inbox.
    2. Claim the proposal with a conditional UPDATE (two approvers at once send once).
    3. Do: freeze the chosen fields into the referral; timeline; audit (names, not values).
    Approving an approved proposal again returns its referral and sends nothing.
    """
    proposal = access_proposal(member=member, proposal_id=proposal_id)
    _require_second_person(proposal, member)
    if proposal.status == ProposalStatus.APPROVED and proposal.referral is not None:
        return proposal.referral
    if proposal.status != ProposalStatus.PROPOSED:
        _refuse_closed(proposal)
    victim = _consented_victim(member=member, victim_referral_id=proposal.victim_referral_id)
    recipient, binding = _inbox_of(victim)
    now = _now()
    claimed = ChildReferralProposal.objects.filter(
        pk=proposal.pk, status=ProposalStatus.PROPOSED
    ).update(status=ProposalStatus.APPROVED, decided_by=member.user, decided_at=now)
    if not claimed:
        proposal.refresh_from_db()
        if proposal.status == ProposalStatus.APPROVED and proposal.referral is not None:
            return proposal.referral
        _refuse_closed(proposal)
    fields = [str(f) for f in proposal.fields]
    report = {
        "schema_version": CHILD_SCHEMA_VERSION,
        "case_id": victim.case_id,
        "consent": {
            "by": victim.consent_by,
            "method": victim.consent_method,
            "at": victim.consent_at.isoformat() if victim.consent_at else None,
        },
        "child": _child_fields(victim, fields),
        "reporting_company": {"name": victim.case.organisation.name},
    }
    referral = Referral.objects.create(
        organisation_id=victim.case.organisation_id,
        case=victim.case,
        recipient=recipient,
        purpose=Purpose.CHILD,
        schema_version=CHILD_SCHEMA_VERSION,
        report=report,
        withheld=[
            # Stored untranslated; shown in the reader's language (report.withheld_shown).
            {"field": f"child.{f}", "reason": NOT_AGREED}
            for f in SHAREABLE
            if f not in fields
        ],
        created_by_id=proposal.proposed_by_id,
        created_at=now,
        last_sent_at=now,
        victim_referral=victim,
    )
    ChildReferralProposal.objects.filter(pk=proposal.pk).update(referral=referral)
    proposal.refresh_from_db()
    _event(proposal, "child_referral_approved", member, recipient=recipient.name)
    CaseEvent.objects.create(
        case=victim.case,
        kind="referral_sent",
        actor=member.user,
        at=now,
        detail={"referral": referral.pk, "recipient": recipient.name, "purpose": Purpose.CHILD},
    )
    _audit(
        proposal,
        "child_referral_approve",
        member,
        request,
        referral=referral.pk,
        proposed_by=proposal.proposed_by_id,
        fields=sorted(fields),
        # Which inbox, and the two people who bound it (referrals/inboxes.py).
        inbox_key=binding.key.prefix,
        inbox_bound_by=binding.bound_by_id,
        inbox_confirmed_by=binding.confirmed_by_id,
    )
    return referral


@transaction.atomic
def child_referral_close(
    *,
    proposal_id: int,
    member: StaffMember,
    status: str,
    reason: str,
    request: HttpRequest | None = None,
) -> ChildReferralProposal:
    """Close an open proposal without sending: `declined` by the second person (never the
    proposer), or `withdrawn` when the child or carer withdrew consent (any case worker,
    the proposer too). The same closing again is a harmless repeat."""
    if status not in (ProposalStatus.DECLINED, ProposalStatus.WITHDRAWN):
        raise ApplicationError(_("Choose decline or withdraw."), code="bad_status")
    proposal = access_proposal(member=member, proposal_id=proposal_id)
    if status == ProposalStatus.DECLINED:
        _require_second_person(proposal, member)
    elif member.role not in CASE_ROLES:
        raise ApplicationError(_("Only case workers do this."), code="forbidden", status=403)
    reason = clean_text(reason, 500)
    if not reason:
        raise ApplicationError(
            _("Say why."), fields={"reason": [str(_("Required."))]}, code="reason_required"
        )
    if proposal.status == status:
        return proposal
    claimed = ChildReferralProposal.objects.filter(
        pk=proposal.pk, status=ProposalStatus.PROPOSED
    ).update(status=status, decided_by=member.user, decided_at=_now(), reason=reason)
    proposal.refresh_from_db()
    if not claimed:
        _refuse_closed(proposal)
    kind = (
        "child_referral_declined"
        if status == ProposalStatus.DECLINED
        else ("child_referral_withdrawn")
    )
    _event(proposal, kind, member)
    _audit(
        proposal,
        kind.replace("_declined", "_decline").replace("_withdrawn", "_withdraw"),
        member,
        request,
    )
    return proposal


@transaction.atomic
def referral_outcome(
    *, recipient: Issuer, key: ApiKey, referral_id: int, outcome: Outcome
) -> tuple[Referral, bool]:
    """The service reports what happened. The same outcome again is a retry (not new); another
    is 409; only child referrals take an outcome."""
    referral = access_referral(recipient=recipient, key=key, referral_id=referral_id)
    if referral.purpose != Purpose.CHILD:
        raise ApplicationError(
            _("Only a referral of a child takes an outcome."), code="not_a_child_referral"
        )
    now = timezone.now().replace(microsecond=0)
    claimed = Referral.objects.filter(pk=referral.pk, outcome="").update(
        outcome=outcome, outcome_at=now
    )
    referral.refresh_from_db()
    if not claimed:
        if referral.outcome == outcome:
            return referral, False
        raise ApplicationError(
            _("This referral already has another outcome."), code="outcome_recorded", status=409
        )
    record_reply(
        referral=referral,
        recipient=recipient,
        key=key,
        kind="referral_outcome",
        action="referral_outcome",
        at=now,
        outcome=outcome,
    )
    return referral, True
