"""Every change to a case, as one typed function that views, API, commands and workers call.

Each function checks, then writes inside one transaction, bumping the case's
version so two analysts cannot overwrite each other (optimistic locking), and
records the change on the case timeline and in the audit log.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.cases.models import (
    Authority,
    AuthorityReferral,
    Case,
    CaseEvent,
    CaseReport,
    Decision,
    DecisionKind,
    Ground,
    ReferralService,
    SlaPolicy,
    State,
    VictimReferral,
)
from karpear.cases.preservation import preservation_request
from karpear.cases.workflow import ACTION_STATES, IMPLIED_DECISION, PUBLIC_STATUS, allowed
from karpear.core.errors import ApplicationError, NotFound
from karpear.orgs.models import Organisation
from karpear.platformlink.services import event_enqueue
from karpear.reports.models import Report, ReportedItem
from karpear.reports.services import (
    report_contact,
    report_erase_contacts,
    report_group_keys,
    report_set_status,
)
from karpear.staff.models import Role, StaffMember

DEFAULT_REFERRAL_SERVICES = [
    {"name_en": "Child Helpline Cambodia", "name_km": "ខ្សែទូរស័ព្ទជំនួយកុមារកម្ពុជា", "phone": "1280"},
    {
        "name_en": "Ministry of Social Affairs, Veterans and Youth Rehabilitation (MoSVY)",
        "name_km": "ក្រសួងសង្គមកិច្ច អតីតយុទ្ធជន និងយុវនីតិសម្បទា",
        "phone": "",
    },
]


class StaleEdit(ApplicationError):
    status = 409
    code = "stale"


class InvalidTransition(ApplicationError):
    status = 409
    code = "invalid_transition"


# ---------------------------------------------------------------- intake


def _sla(organisation: Organisation, category: str) -> tuple[int, int]:
    policies = {
        p.category: p
        for p in SlaPolicy.objects.filter(organisation=organisation, category__in=[category, ""])
    }
    policy = policies.get(category) or policies.get("")
    if policy is None:
        return 60, 24 * 60
    return policy.review_minutes, policy.action_minutes


@transaction.atomic(savepoint=False)  # part of the caller's transaction: no savepoint
def case_open_for_content(
    *,
    organisation: Organisation,
    keys: list[str],
    category: str,
    opened_at: datetime,
    source: str = "report",
    priority: int = 0,
    detail: dict[str, Any] | None = None,
) -> Case:
    """The open case about this content (any of `keys`), or a new one.

    Lock: the matching open case row FOR UPDATE, so concurrent reports or
    notices about one piece of content join one case. A notice raises the
    priority of the case it joins.
    """
    case = (
        Case.objects.select_for_update()
        .filter(organisation_id=organisation.pk, group_key__in=keys)
        .exclude(state=State.CLOSED)
        .order_by("id")
        .first()
    )
    if case is None:
        review, action = _sla(organisation, category)
        case = Case.objects.create(
            organisation_id=organisation.pk,
            category=category or "other",
            group_key=keys[0],
            opened_at=opened_at,
            source=source,
            priority=priority,
            review_due_at=opened_at + timedelta(minutes=review),
            action_due_at=opened_at + timedelta(minutes=action),
            next_due_at=opened_at + timedelta(minutes=review),
        )
        CaseEvent.objects.create(
            case=case,
            kind="opened",
            to_state=State.RECEIVED,
            at=opened_at,
            actor=None,
            detail=detail or {},
        )
    elif priority > case.priority:
        Case.objects.filter(pk=case.pk).update(priority=priority)
        case.priority = priority
    return case


@transaction.atomic(savepoint=False)
def case_open_or_join(*, report: Report, items: list[ReportedItem] | None = None) -> Case:
    """Put a new report into a case: the open case about the same content, or a new one.

    Runs inside report_submit's transaction (a signal receiver), so a report
    is never stored without its case.
    """
    now = report.received_at
    case = case_open_for_content(
        organisation=report.organisation,
        keys=report_group_keys(report, items),
        category=report.category,
        opened_at=now,
        detail={"report": report.reference},
    )
    CaseReport.objects.create(case=case, report=report, channel=report.channel, joined_at=now)
    if case.report_count:  # joined an existing case: the reporter sees its status
        report_set_status(report_ids=[report.pk], status=PUBLIC_STATUS[State(case.state)])
    Case.objects.filter(pk=case.pk).update(report_count=F("report_count") + 1)
    case.report_count += 1
    return case


# ---------------------------------------------------------------- access


def access_case(
    *,
    member: StaffMember,
    case_id: int,
    request: HttpRequest | None = None,
    audit_view: bool = True,
) -> Case:
    """The case if it belongs to the member's organisation; every view is audited.

    Only case roles reach here (views declare them); another organisation's
    case is indistinguishable from a missing one.
    """
    case = Case.objects.filter(pk=case_id, organisation_id=member.organisation_id).first()
    if case is None:
        raise NotFound(_("There is no such case."))
    if audit_view:
        audit_record(
            action="case_view",
            organisation=member.organisation,
            actor=member.user,
            object_type="case",
            object_id=case.pk,
            request=request,
        )
    return case


_STALE = _(
    "Someone else changed this case while you were working on it. Your change was not "
    "saved; please look at the case again."
)


def check_version(case: Case, expected_version: int) -> None:
    """Refuse a form or call based on an older version of the case, before anything else."""
    if case.version != expected_version:
        raise StaleEdit(_STALE)


def _bump(case: Case, expected_version: int, **changes: Any) -> Case:
    """Apply `changes` only if nobody changed the case since `expected_version`."""
    updated = Case.objects.filter(pk=case.pk, version=expected_version).update(
        version=expected_version + 1, **changes
    )
    if updated != 1:
        raise StaleEdit(
            _(
                "Someone else changed this case while you were working on it. "
                "Your change was not saved; please look at the case again."
            )
        )
    case.refresh_from_db()
    return case


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            _("Please give a reason."),
            code="reason_required",
            fields={"reason": [str(_("Please give a reason."))]},
        )
    return reason


def _require_ground(ground: Ground | None, clause: str) -> tuple[Ground, str]:
    """A content decision names its ground: the law with its article, or the terms with their
    clause (statements of reasons need both; issue #16, item 3)."""
    errors: dict[str, list[str]] = {}
    if ground not in Ground.values:
        errors["ground"] = [
            str(_("Choose the ground: the law (with its article) or your terms (with the clause)."))
        ]
    if not clause.strip():
        errors["clause"] = [str(_("Name the article of the law or the clause of the terms."))]
    if errors or ground is None:
        raise ApplicationError(
            _("Say on what ground the content is isolated or removed."),
            code="ground_required",
            fields=errors,
        )
    return Ground(ground), clause.strip()[:200]


def _audit(
    member: StaffMember, action: str, case: Case, request: HttpRequest | None, **detail: Any
) -> None:
    audit_record(
        action=action,
        organisation=member.organisation,
        actor=member.user,
        object_type="case",
        object_id=case.pk,
        detail=detail,
        request=request,
    )


# ---------------------------------------------------------------- workflow


@transaction.atomic
def case_transition(
    *,
    case: Case,
    member: StaffMember,
    to_state: State,
    reason: str,
    expected_version: int,
    referrals: list[tuple[Authority, str]] | None = None,
    content_ref: str = "",
    ground: Ground | None = None,
    clause: str = "",
    request: HttpRequest | None = None,
) -> Case:
    """Move a case to `to_state`, with the decisions and referrals the move implies.

    1. Check: the move is allowed from the current state; reopening needs the
       safeguarding lead; a reason is given; "referred" names at least one
       authority; isolating or removing names its legal ground and the article
       or clause, chosen by the analyst (nothing defaults: issue #16, item 3).
    2. Do: bump the version (fails if stale), set SLA timestamps, record implied
       content decisions and referrals, the timeline event, the reporters'
       public status and the audit entry.
    """
    check_version(case, expected_version)
    from_state = State(case.state)
    if not allowed(from_state, to_state):
        raise InvalidTransition(
            _("A case cannot go from “%(from)s” to “%(to)s”.")
            % {"from": from_state.label, "to": to_state.label}
        )
    if from_state == State.CLOSED and member.role != Role.LEAD:
        raise ApplicationError(
            _("Only the safeguarding lead can reopen a case."), code="forbidden", status=403
        )
    reason = _require_reason(reason)
    if to_state == State.REFERRED and not referrals:
        raise ApplicationError(
            _("Name the authority the case is referred to."),
            code="referral_required",
            fields={"authority": [str(_("Choose at least one."))]},
        )
    implied = IMPLIED_DECISION.get(to_state)
    if to_state == State.NOT_ILLEGAL:
        isolation = case.decisions.filter(kind=DecisionKind.CONTENT_ISOLATE).last()
        if isolation is not None:
            # Restoring reverses the isolation, on the ground it was taken under.
            implied, ground, clause = DecisionKind.CONTENT_RESTORE, Ground(isolation.ground), reason
    if implied is not None:
        ground, clause = _require_ground(ground, clause)
    now = timezone.now().replace(microsecond=0)
    changes: dict[str, Any] = {"state": to_state}
    if case.first_reviewed_at is None and to_state != State.RECEIVED:
        changes["first_reviewed_at"] = now
        changes["next_due_at"] = case.action_due_at
    if case.first_action_at is None and to_state in ACTION_STATES:
        changes["first_action_at"] = now
    if to_state == State.CLOSED:
        changes["closed_at"] = now
    if from_state == State.CLOSED:
        changes["closed_at"] = None
    case = _bump(case, expected_version, **changes)
    CaseEvent.objects.create(
        case=case,
        kind="transition",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        actor=member.user,
        at=now,
    )
    if implied is not None and ground is not None:
        _decision(
            case=case,
            member=member,
            kind=implied,
            ground=ground,
            clause=clause,
            content_ref=content_ref,
            at=now,
            request=request,
        )
    for authority, reference in referrals or []:
        AuthorityReferral.objects.create(
            case=case,
            authority=authority,
            reference=reference.strip()[:100],
            referred_by=member.user,
            referred_at=now,
        )
    report_ids = list(case.case_reports.values_list("report_id", flat=True))
    report_set_status(report_ids=report_ids, status=PUBLIC_STATUS[to_state])
    _audit(
        member,
        "case_transition",
        case,
        request,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        referrals=[[a, r] for a, r in referrals or []],
    )
    return case


@transaction.atomic
def case_assign(
    *,
    case: Case,
    member: StaffMember,
    assignee: StaffMember | None,
    expected_version: int,
    request: HttpRequest | None = None,
) -> Case:
    """Assign a case (safeguarding lead; analysts may take an unassigned case themselves)."""
    if assignee is not None and assignee.organisation_id != case.organisation_id:
        raise NotFound(_("There is no such staff member."))
    if assignee is not None and not assignee.can_see_cases:
        raise ApplicationError(_("Cases can only be assigned to analysts or the lead."))
    if assignee is not None and case.category in CSAM_CATEGORIES and not screening_clear(assignee):
        # Guidelines 2.6 b: only listed and screened personnel handle CSAM (the categories
        # whose cases hold child sexual abuse material itself, CSAM_CATEGORIES below).
        raise ApplicationError(
            _(
                "This case may hold child sexual abuse material, and %(name)s has no clear "
                "screening in date on the personnel register. Ask the safeguarding lead to "
                "update the register, or give the case to someone screened."
            )
            % {"name": assignee.user.get_username()},
            code="not_screened",
            status=403,
        )
    taking_free_case = (
        assignee is not None and assignee.pk == member.pk and case.assignee_id is None
    )
    if member.role != Role.LEAD and not taking_free_case:
        raise ApplicationError(
            _("Only the safeguarding lead can assign cases."), code="forbidden", status=403
        )
    case = _bump(case, expected_version, assignee=assignee.user if assignee else None)
    CaseEvent.objects.create(
        case=case,
        kind="assign",
        actor=member.user,
        at=timezone.now().replace(microsecond=0),
        detail={"assignee": assignee.user.get_username() if assignee else None},
    )
    _audit(
        member,
        "case_assign",
        case,
        request,
        assignee=assignee.user.get_username() if assignee else None,
    )
    return case


# ---------------------------------------------------------------- decisions


EVENT_FOR_DECISION = {
    DecisionKind.CONTENT_ISOLATE: "content.isolate",
    DecisionKind.CONTENT_REMOVE: "content.remove",
    DecisionKind.CONTENT_RESTORE: "content.restore",
    DecisionKind.ACCOUNT_WARNING: "account.warn",
    DecisionKind.ACCOUNT_SUSPENSION: "account.suspend",
    DecisionKind.ACCOUNT_BAN: "account.ban",
}


def case_content(case: Case) -> dict[str, list[str]]:
    """What the platform needs to find the content: its IDs and the reported links."""
    reports = Report.objects.filter(id__in=case.case_reports.values("report_id"))
    ids = sorted({r.platform_content_id for r in reports if r.platform_content_id})
    urls = sorted(
        set(
            ReportedItem.objects.filter(report__in=reports)
            .exclude(url="")
            .values_list("url", flat=True)
        )
    )
    kind, _sep, value = case.group_key.partition(":")
    if kind == "content" and value not in ids:
        ids.append(value)
    return {"platform_content_ids": ids, "urls": urls}


# Content decisions on the company's own content that preserve it first (issue #16, item 1).
PRESERVING_DECISIONS = frozenset({DecisionKind.CONTENT_ISOLATE, DecisionKind.CONTENT_REMOVE})


def _decision(
    *,
    case: Case,
    member: StaffMember | None,
    kind: DecisionKind,
    ground: Ground,
    clause: str,
    at: datetime,
    account_id: str = "",
    content_ref: str = "",
    ends_at: datetime | None = None,
    request: HttpRequest | None,
    content: dict[str, list[str]] | None = None,
    preserve: bool = True,
) -> Decision:
    """Record a decision and queue the webhook that carries it out, in one transaction; isolating
    or removing content first asks for its preservation (once per case)."""
    user = member.user if member else None
    decision = Decision.objects.create(
        case=case,
        organisation_id=case.organisation_id,
        kind=kind,
        ground=ground,
        clause=clause[:200],
        account_id=account_id[:200],
        content_ref=content_ref[:300],
        ends_at=ends_at,
        decided_by=user,
        decided_at=at,
    )
    CaseEvent.objects.create(
        case=case,
        kind="decision",
        actor=user,
        at=at,
        reason=clause,
        detail={"decision": kind, "ground": ground, "account": account_id},
    )
    data: dict[str, Any] = {
        "decision_id": decision.pk,
        "case_id": case.pk,
        "ground": ground,
        "clause": clause[:200],
    }
    if kind.startswith("account_"):
        data.update(account_id=account_id, ends_at=ends_at.isoformat() if ends_at else None)
    else:
        data["content"] = content or case_content(case)
    if preserve and kind in PRESERVING_DECISIONS:
        preservation_request(case=case, content=data["content"], reason=clause)
    event_enqueue(
        organisation_id=case.organisation_id,
        event_type=EVENT_FOR_DECISION[kind],
        data=data,
        subject_type="decision",
        subject_id=decision.pk,
    )
    audit_record(
        action="decision",
        organisation=case.organisation,
        actor=user,
        actor_label="" if user else "system",
        object_type="case",
        object_id=case.pk,
        detail={
            "kind": kind,
            "ground": ground,
            "clause": clause,
            "account": account_id,
            "ends_at": ends_at,
        },
        request=request,
    )
    return decision


@transaction.atomic
def decision_account(
    *,
    case: Case,
    member: StaffMember,
    kind: DecisionKind,
    ground: Ground,
    clause: str,
    account_id: str,
    expected_version: int,
    ends_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> Decision:
    """Record a warning, temporary suspension (with end) or permanent suspension.

    The platform link (notice-and-takedown issue) will carry these out; here
    they are recorded, counted and audited.
    """
    if kind not in {
        DecisionKind.ACCOUNT_WARNING,
        DecisionKind.ACCOUNT_SUSPENSION,
        DecisionKind.ACCOUNT_BAN,
    }:
        raise ApplicationError(_("This is not an account decision."))
    errors: dict[str, list[str]] = {}
    if not account_id.strip():
        errors["account_id"] = [str(_("Which account?"))]
    if not clause.strip():
        errors["clause"] = [str(_("Name the law or the rule, with its clause."))]
    now = timezone.now().replace(microsecond=0)
    if kind == DecisionKind.ACCOUNT_SUSPENSION and (ends_at is None or ends_at <= now):
        errors["ends_at"] = [str(_("A temporary suspension needs an end date in the future."))]
    if errors:
        raise ApplicationError(_("Some answers need to be checked."), fields=errors)
    _bump(case, expected_version)
    decision = _decision(
        case=case,
        member=member,
        kind=kind,
        ground=ground,
        clause=clause.strip(),
        account_id=account_id.strip(),
        ends_at=ends_at,
        at=now,
        request=request,
    )
    _account_notice(case, decision)
    return decision


CSAM_CATEGORIES = ("sexual_image", "live_stream")


def _may_tell_account_holder(case: Case) -> bool:
    """Never while content confirmed as CSAM is under investigation, unless configured: telling
    the account holder could warn a suspect (guidelines 2.6: preserve and refer)."""
    if not settings.KARPEAR_NOTIFY_ACCOUNT_HOLDERS:
        return False
    investigating = case.category in CSAM_CATEGORIES and (
        case.state in (State.REFERRED, State.CONFIRMED_ILLEGAL) or case.authority_referrals.exists()
    )
    return not investigating or settings.KARPEAR_NOTIFY_DURING_CSAM_INVESTIGATION


def _account_notice(case: Case, decision: Decision) -> None:
    """The statement of reasons in plain words, for the platform to show the account holder."""
    if not _may_tell_account_holder(case):
        return
    texts: dict[str, dict[str, str]] = {}
    for lang in ("km", "en"):
        with translation.override(lang):
            until = (
                timezone.localtime(decision.ends_at).strftime("%Y-%m-%d")
                if decision.ends_at
                else ""
            )
            what = {
                DecisionKind.ACCOUNT_WARNING: _("This is a warning about your account."),
                DecisionKind.ACCOUNT_SUSPENSION: _("Your account is suspended until %(day)s.")
                % {"day": until},
                DecisionKind.ACCOUNT_BAN: _("Your account is closed permanently."),
            }[DecisionKind(decision.kind)]
            why = (
                _("It broke the law: %(rule)s.")
                if decision.ground == Ground.LAW
                else _("It broke our rules: %(rule)s.")
            ) % {"rule": decision.clause}
            texts[lang] = {
                "message": f"{what} {why}",
                "appeal": str(
                    _(
                        "If you think this is wrong, you can ask us to look again. "
                        "Reply to this message within 30 days and say why."
                    )
                ),
            }
    event_enqueue(
        organisation_id=case.organisation_id,
        event_type="account.notice",
        data={
            "account_id": decision.account_id,
            "decision_id": decision.pk,
            "kind": decision.kind,
            "ends_at": decision.ends_at.isoformat() if decision.ends_at else None,
            "statement_puid": f"karpear-{case.organisation.slug}-decision-{decision.pk}",
            "text": texts,
        },
        subject_type="decision",
        subject_id=decision.pk,
    )


# ---------------------------------------------------------------- referrals and notes


def referral_services(organisation: Organisation) -> list[ReferralService]:
    """The directory, seeded with Child Helpline Cambodia and MoSVY on first use."""
    services = list(ReferralService.objects.filter(organisation=organisation, active=True))
    if not services and not ReferralService.objects.filter(organisation=organisation).exists():
        ReferralService.objects.bulk_create(
            ReferralService(organisation=organisation, **s) for s in DEFAULT_REFERRAL_SERVICES
        )
        services = list(ReferralService.objects.filter(organisation=organisation, active=True))
    return services


@transaction.atomic
def victim_referral_record(
    *,
    case: Case,
    member: StaffMember,
    consent_by: str,
    service_id: int | None,
    service_reference: str,
    expected_version: int,
    consent_method: str = "",
    consent_at: datetime | None = None,
    consent_obtained_by: str = "",
    request: HttpRequest | None = None,
) -> VictimReferral:
    """Refer a child to help, only with the child's or carer's consent (2.6).

    Without consent, only the fact that help information was given is
    recorded. The desk never assesses the child's risk: the helpline does.
    """
    if member.role != Role.LEAD:
        raise ApplicationError(
            _("Only the safeguarding lead records victim referrals."), code="forbidden", status=403
        )
    if consent_by not in VictimReferral.ConsentBy.values:
        raise ApplicationError(
            _("Say who consented, or that help information was given."),
            fields={"consent_by": [str(_("Choose one."))]},
        )
    service = None
    if consent_by != VictimReferral.ConsentBy.NONE:
        service = ReferralService.objects.filter(
            pk=service_id or 0, organisation_id=case.organisation_id
        ).first()
        if service is None:
            raise ApplicationError(
                _("Choose the service the child is referred to."),
                fields={"service": [str(_("Choose one."))]},
            )
        consent_at = _check_consent(
            case,
            method=consent_method,
            at=consent_at,
            obtained_by=consent_obtained_by,
            service_reference=service_reference,
        )
    _bump(case, expected_version)
    now = timezone.now().replace(microsecond=0)
    referral = VictimReferral.objects.create(
        case=case,
        consent_by=consent_by,
        service=service,
        service_reference=service_reference.strip()[:100] if service else "",
        consent_method=consent_method if service else "",
        consent_at=consent_at if service else None,
        consent_obtained_by=consent_obtained_by.strip()[:200] if service else "",
        recorded_by=member.user,
        recorded_at=now,
    )
    CaseEvent.objects.create(
        case=case,
        kind="victim_referral",
        actor=member.user,
        at=now,
        detail={
            "consent_by": consent_by,
            "service": service.name_en if service else None,
            "consent_method": consent_method if service else "",
        },
    )
    _audit(
        member,
        "victim_referral",
        case,
        request,
        consent_by=consent_by,
        service=service.name_en if service else None,
        consent_method=consent_method if service else "",
        consent_at=consent_at if service else None,
        consent_obtained_by=consent_obtained_by.strip()[:200] if service else "",
    )
    return referral


def _check_consent(
    case: Case, *, method: str, at: datetime | None, obtained_by: str, service_reference: str
) -> datetime:
    """Consent is recorded with how, when and by whom it was obtained, and only where it could
    have been obtained (issue #16, item 8; guidelines 2.6: referral with the child's consent).

    Phone or message consent needs a contact the reporter gave (an anonymous report has none to
    call back); consent through the helpline needs the helpline's own reference; it cannot
    predate the case or lie in the future.
    """
    Method = VictimReferral.ConsentMethod
    errors: dict[str, list[str]] = {}
    if method not in Method.values:
        errors["consent_method"] = [str(_("Say how consent was obtained."))]
    elif method in (Method.PHONE, Method.MESSAGE) and not any(
        not r.is_anonymous for r in case_reports(case)
    ):
        errors["consent_method"] = [
            str(
                _(
                    "Nobody on this case left a contact, so consent cannot have been given by "
                    "phone or message."
                )
            )
        ]
    elif method == Method.HELPLINE and not service_reference.strip():
        errors["service_reference"] = [str(_("Give the helpline's reference for the call."))]
    now = timezone.now()
    if at is None:
        errors["consent_at"] = [str(_("Say when consent was given."))]
    elif at > now + timedelta(minutes=5) or at < case.opened_at - timedelta(minutes=5):
        errors["consent_at"] = [
            str(_("Consent must be given after the case was opened, and not in the future."))
        ]
    if not obtained_by.strip():
        errors["consent_obtained_by"] = [str(_("Say who obtained consent."))]
    if errors or at is None:
        raise ApplicationError(
            _("The consent cannot be recorded as it is."), code="consent_invalid", fields=errors
        )
    return at.replace(microsecond=0)


@transaction.atomic
def case_note_add(
    *, case: Case, member: StaffMember, text: str, request: HttpRequest | None = None
) -> CaseEvent:
    text = _require_reason(text)[:4000]
    event = CaseEvent.objects.create(
        case=case,
        kind="note",
        actor=member.user,
        at=timezone.now().replace(microsecond=0),
        reason=text,
    )
    _audit(member, "case_note", case, request)
    return event


def case_reports(case: Case) -> list[Report]:
    ids = case.case_reports.values_list("report_id", flat=True)
    return list(Report.objects.filter(id__in=ids).prefetch_related("items").order_by("received_at"))


def screening_clear(member: StaffMember) -> bool:
    """On the personnel register with a clear screening that is in date (2.6 b)."""
    from karpear.evidence.services import personnel_cleared

    return personnel_cleared(member)


def may_see_identity(*, case: Case, member: StaffMember) -> bool:
    """Whether this member may see a reporter's contact details and the exact reported links.

    Only someone working the case (its assignee) whose screening is clear and in date
    (guidelines 2.6 b: screened personnel; PRODUCT "no one alone", privacy by default).
    """
    return case.assignee_id == member.user_id and screening_clear(member)


def require_identity_access(*, case: Case, member: StaffMember) -> None:
    if not may_see_identity(case=case, member=member):
        raise ApplicationError(
            _(
                "Only the person working this case, with a clear screening in date on the "
                "personnel register, may see the reporter's contact details or the exact link."
            ),
            code="not_working_case",
            status=403,
        )


def contact_reveal(
    *, case: Case, member: StaffMember, report_id: int, request: HttpRequest | None = None
) -> dict[str, str] | None:
    """Show a reporter's contact details: the screened assignee only, on a click, audited."""
    require_identity_access(case=case, member=member)
    report = Report.objects.filter(
        pk=report_id, id__in=case.case_reports.values("report_id")
    ).first()
    if report is None:
        raise NotFound(_("There is no such report in this case."))
    _audit(member, "contact_reveal", case, request, report=report.reference)
    return report_contact(report)


def link_copy(
    *, case: Case, member: StaffMember, item_id: int, request: HttpRequest | None = None
) -> str:
    """The exact reported link, for a deliberate copy (audited). Never fetched."""
    require_identity_access(case=case, member=member)
    item = ReportedItem.objects.filter(
        pk=item_id, report_id__in=case.case_reports.values("report_id")
    ).first()
    if item is None:
        raise NotFound(_("There is no such link in this case."))
    _audit(member, "link_copy", case, request, item=item.pk)
    return item.url


# ---------------------------------------------------------------- background work


def erase_expired_contacts(*, now: datetime | None = None) -> int:
    """Delete reporter contacts of cases closed longer ago than the retention period.

    Idempotent and restart-safe: the state lives in the rows (closed_at,
    contacts_erased_at), so a run killed half-way is simply finished by the next.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.KARPEAR_CONTACT_RETENTION_DAYS)
    erased = 0
    due = Case.objects.filter(
        state=State.CLOSED, closed_at__lt=cutoff, contacts_erased_at__isnull=True
    ).values_list("id", flat=True)
    for case_id in list(due[:1000]):
        with transaction.atomic():
            report_ids = list(
                CaseReport.objects.filter(case_id=case_id).values_list("report_id", flat=True)
            )
            erased += report_erase_contacts(report_ids=report_ids)
            Case.objects.filter(pk=case_id).update(contacts_erased_at=timezone.now())
            audit_record(
                action="contacts_erased",
                organisation=None,
                actor_label="worker",
                object_type="case",
                object_id=case_id,
                detail={"reports": len(report_ids)},
            )
    return erased


@transaction.atomic
def sla_policy_set(
    *,
    member: StaffMember,
    values: dict[str, tuple[int | None, int | None]],
    request: HttpRequest | None = None,
) -> None:
    """Set SLA targets per category (minutes); empty rows fall back to the default row.

    Applies to cases opened from now on; open cases keep the deadlines they
    were given, so a change can never make a case silently on time.
    """
    if member.role != Role.LEAD:
        raise ApplicationError(
            _("Only the safeguarding lead can change SLA targets."), code="forbidden", status=403
        )
    limit = 30 * 24 * 60
    for category, (review, action) in values.items():
        if category and review is None and action is None:
            continue
        if review is None or action is None or not (1 <= review <= action <= limit):
            raise ApplicationError(
                _(
                    "Each target needs two whole numbers of minutes, review "
                    "no longer than action, at most 30 days."
                )
            )
    for category, (review, action) in values.items():
        if review is None or action is None:
            SlaPolicy.objects.filter(organisation=member.organisation, category=category).delete()
            continue
        SlaPolicy.objects.update_or_create(
            organisation=member.organisation,
            category=category,
            defaults={"review_minutes": review, "action_minutes": action},
        )
    audit_record(
        action="settings_change",
        organisation=member.organisation,
        actor=member.user,
        object_type="sla",
        detail={"values": values},
        request=request,
    )


@transaction.atomic
def case_takedown_by_notice(
    *,
    case: Case,
    legal_basis: str,
    notice_label: str,
    content: dict[str, list[str]],
    preserve: bool = True,
    preserved_by_caller: bool = False,
) -> Decision:
    """Isolate content at once on an authenticated notice, without waiting for a human.

    Every takedown asks the platform to preserve the content (the box on agency roles says so
    whatever the notice asks: `preserve` is accepted and no longer needed), unless the caller
    keeps the content in the vault itself (`preserved_by_caller`, a hash check's upload).

    Box on agency roles (2.6): "act immediately on any Takedown Notice …
    effect the takedown of the material, and preserve the material along with
    any user data". The case moves to "content isolated" (system actor), the
    isolate decision and the preserve request are queued for the
    platform, and the case goes to the top of the queue.
    """
    now = timezone.now().replace(microsecond=0)
    from_state = State(case.state)
    changes: dict[str, Any] = {"priority": max(case.priority, 1)}
    if from_state in (State.RECEIVED, State.IN_REVIEW):
        changes.update(state=State.ISOLATED, first_action_at=case.first_action_at or now)
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1, **changes)
    case.refresh_from_db()
    if case.state != from_state:
        CaseEvent.objects.create(
            case=case,
            kind="transition",
            from_state=from_state,
            to_state=case.state,
            reason=notice_label,
            actor=None,
            at=now,
        )
        report_ids = list(case.case_reports.values_list("report_id", flat=True))
        report_set_status(report_ids=report_ids, status=PUBLIC_STATUS[State(case.state)])
    decision = _decision(
        case=case,
        member=None,
        kind=DecisionKind.CONTENT_ISOLATE,
        ground=Ground.LAW,
        clause=legal_basis or notice_label,
        at=now,
        request=None,
        content=content,
        preserve=not preserved_by_caller,
    )
    return decision


def sla_targets(organisation: Organisation) -> tuple[int, int]:
    """The default review and action targets in minutes (for drafted policies, checklist 29)."""
    return _sla(organisation, "")
