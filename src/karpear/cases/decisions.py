"""Content and account decisions, each carried out by a webhook to the platform (guidelines
2.6 and the box on agency roles), and takedown at once on an authenticated notice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.cases.common import bump
from karpear.cases.four_eyes import confirmation_request, four_eyes_required
from karpear.cases.models import (
    Case,
    CaseEvent,
    Decision,
    DecisionKind,
    Ground,
    PendingDecision,
    State,
)
from karpear.cases.preservation import preservation_request
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.orgs.selectors import public_url
from karpear.platformlink.services import event_enqueue
from karpear.reports.models import Report, ReportedItem
from karpear.staff.models import StaffMember

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


def decision_record(
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
    confirmed_by: StaffMember | None = None,
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
        confirmed_by=confirmed_by.user if confirmed_by else None,
    )
    CaseEvent.objects.create(
        case=case,
        kind="decision",
        actor=user,
        at=at,
        reason=clause,
        detail={
            "decision": kind,
            "ground": ground,
            "account": account_id,
            **({"confirmed_by": confirmed_by.user.get_username()} if confirmed_by else {}),
        },
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
            "confirmed_by": confirmed_by.user.get_username() if confirmed_by else None,
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
    confirmed_by: StaffMember | None = None,
) -> Decision | PendingDecision:
    """Record a warning, temporary suspension (with end) or permanent suspension.

    The platform link carries these out; here they are recorded, counted and audited. A
    permanent ban in a category that needs four eyes (issue #16, item 14) becomes a request
    for a second analyst instead (returned as the PendingDecision); `cases.confirmation`
    calls this again with `confirmed_by` once someone else confirms it.
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
    if confirmed_by is None and four_eyes_required(case=case, kind=kind):
        return confirmation_request(
            case=case,
            member=member,
            kind=kind,
            ground=ground,
            clause=clause.strip(),
            account_id=account_id.strip(),
            expected_version=expected_version,
            request=request,
        )
    bump(case, expected_version)
    decision = decision_record(
        case=case,
        member=member,
        kind=kind,
        ground=ground,
        clause=clause.strip(),
        account_id=account_id.strip(),
        ends_at=ends_at,
        at=now,
        request=request,
        confirmed_by=confirmed_by,
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


# ---------------------------------------------------------------- the decision's complaint code

_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32, as report references


def _code_mac(decision_id: int, organisation_id: int) -> str:
    digest = salted_hmac(
        "karpear.complaints.decision-code", f"{organisation_id}:{decision_id}", algorithm="sha256"
    ).digest()
    return "".join(_CODE_ALPHABET[b % 32] for b in digest[:10])


def decision_code(decision: Decision) -> str:
    """The code an account holder types on the public complaint page: the decision's number and
    a keyed check, so nobody can contest a decision about someone else by counting numbers."""
    mac = _code_mac(decision.pk, decision.organisation_id)
    return f"D{decision.pk}-{mac[:5]}-{mac[5:]}"


def decision_by_code(*, organisation: Organisation, code: str) -> Decision | None:
    """The organisation's decision with this code, or None (unknown, foreign or mistyped)."""
    compact = "".join(code.split()).upper().replace("O", "0").replace("I", "1").replace("L", "1")
    number, _sep, mac = compact.removeprefix("D").partition("-")
    if not number.isdigit() or len(number) > 12:
        return None
    mac = mac.replace("-", "")
    if not constant_time_compare(mac, _code_mac(int(number), organisation.pk)):
        return None
    return Decision.objects.filter(pk=int(number), organisation=organisation).first()


def complaint_page_url(organisation: Organisation, code: str) -> str:
    """The public complaint page in the active language, with the code filled in."""
    path = f"{reverse('complaint')}?code={code}"
    return public_url(organisation, path) or path


# ---------------------------------------------------------------- reversal on complaint

# What undoes each decision on the platform (issue #17, item 6). A warning is withdrawn the
# same way as a suspension: the platform clears it from the account.
RESTORE_EVENT = {
    DecisionKind.ACCOUNT_WARNING: "account.restore",
    DecisionKind.ACCOUNT_SUSPENSION: "account.restore",
    DecisionKind.ACCOUNT_BAN: "account.restore",
}


def is_confirmed_csam(case: Case) -> bool:
    """Content an analyst confirmed as child sexual abuse material: never put back online
    (guidelines 2.6: remove and preserve; a complaint is reviewed but cannot restore it)."""
    return case.category in CSAM_CATEGORIES and (
        bool(case.legal_assessment and case.legal_assessment != "not_illegal")
        or case.state == State.CONFIRMED_ILLEGAL
    )


def decision_reverse(
    *, decision: Decision, member: StaffMember, reason: str, request: HttpRequest | None = None
) -> bool:
    """Undo a decision after a complaint was upheld against it; True when an event was queued.

    The caller holds the transaction and has checked who may reverse. Content goes back through
    a `content_restore` decision (webhook `content.restore`), an account through
    `account.restore`; content confirmed as CSAM is never restored (returns False).
    """
    case = decision.case
    kind = DecisionKind(decision.kind)
    now = timezone.now().replace(microsecond=0)
    CaseEvent.objects.create(
        case=case,
        kind="decision_reversed",
        actor=member.user,
        at=now,
        reason=reason,
        detail={"decision": decision.pk, "kind": kind},
    )
    if kind in PRESERVING_DECISIONS:
        if is_confirmed_csam(case):
            return False
        decision_record(
            case=case,
            member=member,
            kind=DecisionKind.CONTENT_RESTORE,
            ground=Ground(decision.ground),
            clause=decision.clause,
            at=now,
            content_ref=decision.content_ref,
            request=request,
        )
        return True
    event = RESTORE_EVENT.get(kind)
    if event is None:  # a restore is not undone by restoring again
        return False
    event_enqueue(
        organisation_id=decision.organisation_id,
        event_type=event,
        data={
            "decision_id": decision.pk,
            "case_id": case.pk,
            "account_id": decision.account_id,
            "reverses": kind,
        },
        subject_type="decision",
        subject_id=decision.pk,
    )
    return True


def decision_outcome_notice(*, decision: Decision, reversed_: bool, reason: str) -> None:
    """Tell the account holder the outcome of their complaint through the platform (the same
    `account.notice` event as the decision's own notice, with `complaint_outcome`)."""
    case = decision.case
    if not _may_tell_account_holder(case):
        return
    texts: dict[str, dict[str, str]] = {}
    for lang in ("km", "en"):
        with translation.override(lang):
            message = (
                _("We looked again at our decision and changed it. %(reason)s")
                if reversed_
                else _("We looked again at our decision and it stays. %(reason)s")
            ) % {"reason": reason}
            texts[lang] = {"message": str(message), "appeal": ""}
    event_enqueue(
        organisation_id=case.organisation_id,
        event_type="account.notice",
        data={
            "account_id": decision.account_id,
            "decision_id": decision.pk,
            "kind": decision.kind,
            "complaint_outcome": "reversed" if reversed_ else "upheld",
            "statement_puid": f"karpear-{case.organisation.slug}-decision-{decision.pk}",
            "text": texts,
        },
        subject_type="decision",
        subject_id=decision.pk,
    )


def _account_notice(case: Case, decision: Decision) -> None:
    """The statement of reasons in plain words, for the platform to show the account holder."""
    if not _may_tell_account_holder(case):
        return
    texts: dict[str, dict[str, str]] = {}
    code = decision_code(decision)
    for lang in ("km", "en"):
        with translation.override(lang):
            url = complaint_page_url(case.organisation, code)
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
                # Points at what really receives the complaint (issue #17, item 6): the
                # public page, or the platform's own "contest" button (POST /api/v1/appeals).
                "appeal": str(
                    _(
                        "If you think this is wrong, you can ask us to look again within "
                        "%(days)s days: use the button in the app, or go to %(url)s and give "
                        "this code: %(code)s."
                    )
                    % {"days": settings.KARPEAR_COMPLAINT_WINDOW_DAYS, "url": url, "code": code}
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
            "complaint_code": code,
            "text": texts,
        },
        subject_type="decision",
        subject_id=decision.pk,
    )
