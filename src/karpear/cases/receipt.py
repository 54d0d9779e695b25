"""Isolation on receipt (issue #16, item 2): reported content is hidden while it is assessed.

Guidelines 2.6 and its box on agency roles: content reported by the public or a child is
isolated from public access while it is assessed. Karpear does this at once, through the
platform link, for the categories in KARPEAR_ISOLATE_ON_RECEIPT, and only for content on the
company's own service. It is a provisional decision under the terms of service (the clause in
KARPEAR_ISOLATE_CLAUSE): the desk then confirms it (removes on a legal ground), or restores the
content when it finds it not illegal (cases.transitions: NOT_ILLEGAL restores on the ground the
isolation was taken under). The drafted takedown procedure states the same rules
(compliance/policies.py reads `receipt_policy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.cases.decisions import decision_record
from karpear.cases.models import Case, CaseEvent, Decision, DecisionKind, Ground, State
from karpear.cases.workflow import PUBLIC_STATUS
from karpear.core.errors import ApplicationError
from karpear.core.ratelimit import hit
from karpear.orgs.models import Organisation
from karpear.platformlink.models import PlatformLink
from karpear.platformlink.services import (
    is_hosted,
    link_isolation_categories,
    link_isolation_set,
)
from karpear.reports.models import Category, Report, ReportedItem
from karpear.reports.services import report_set_status
from karpear.staff.models import Role, StaffMember

HOUR = 3600


@dataclass(frozen=True)
class ReceiptPolicy:
    """What the running settings say about isolation on receipt (read by the drafted procedure)."""

    categories: tuple[str, ...]
    per_reporter: int
    per_hour: int
    clause: str

    def isolates(self, category: str) -> bool:
        return category in self.categories


def receipt_policy(organisation: Organisation) -> ReceiptPolicy:
    """The organisation's categories (set by its lead), else the deployment's; the limits."""
    chosen = link_isolation_categories(organisation)
    configured = settings.KARPEAR_ISOLATE_ON_RECEIPT if chosen is None else chosen
    return ReceiptPolicy(
        categories=tuple(c for c in Category.values if c in configured),
        per_reporter=settings.KARPEAR_ISOLATE_PER_REPORTER,
        per_hour=settings.KARPEAR_ISOLATE_PER_HOUR,
        clause=settings.KARPEAR_ISOLATE_CLAUSE,
    )


@transaction.atomic
def receipt_policy_set(
    *, member: StaffMember, categories: list[str] | None, request: HttpRequest | None = None
) -> ReceiptPolicy:
    """Choose the categories isolated on receipt for the lead's organisation (None: the
    deployment's default). Applies to reports received from now on; re-draft the takedown
    procedure afterwards, since it states these categories."""
    if member.role != Role.LEAD:
        raise ApplicationError(
            _("Only the safeguarding lead can change isolation on receipt."),
            code="forbidden",
            status=403,
        )
    unknown = sorted(set(categories or []) - set(Category.values))
    if unknown:
        raise ApplicationError(
            _("There is no such category."), fields={"categories": [", ".join(unknown)]}
        )
    chosen = None if categories is None else [c for c in Category.values if c in categories]
    if not link_isolation_set(organisation=member.organisation, categories=chosen):
        raise ApplicationError(
            _("Set up the platform link first: isolation is carried out through it."),
            code="no_platform_link",
            status=409,
        )
    audit_record(
        action="settings_change",
        organisation=member.organisation,
        actor=member.user,
        object_type="isolate_on_receipt",
        detail={"categories": chosen},
        request=request,
    )
    return receipt_policy(member.organisation)


def hosted_content(
    report: Report, items: list[ReportedItem], reporter: str
) -> dict[str, list[str]]:
    """The parts of a report that are on the company's own service.

    A link counts only when its host is one of the platform link's hosted domains (the same
    test notices use before answering "not hosted here"); links elsewhere are never sent to the
    platform. A platform content ID counts only when the platform itself sent the report with
    its API key ("key:<id>"): an anonymous caller could name any post.
    """
    organisation = report.organisation
    urls = sorted(
        {i.url for i in items if i.url and is_hosted(organisation=organisation, url=i.url)}
    )
    vouched = reporter.startswith("key:") and report.platform_content_id
    ids = [report.platform_content_id] if vouched else []
    return {"platform_content_ids": ids, "urls": urls}


def _skip(case: Case, why: str, at: Any) -> None:
    """Say on the case why its content was not isolated on receipt (read as a sentence)."""
    CaseEvent.objects.create(
        case=case, kind="isolation_skipped", actor=None, at=at, detail={"why": why}
    )


def _within_limits(case: Case, reporter: str, policy: ReceiptPolicy) -> str:
    """ "" when this isolation is allowed, else which limit it would pass.

    Fixed one-hour windows in the rate-limit table (core/ratelimit.py: one atomic upsert, so
    concurrent reports cannot both take the last place). The reporter is counted first, so a
    flooding reporter does not use up the organisation's hour for everyone else.
    """
    if reporter:
        hits, _wait = hit(
            f"isolate-receipt|{case.organisation_id}", reporter, f"{policy.per_reporter}/{HOUR}"
        )
        if hits > policy.per_reporter:
            return "reporter_limit"
    hits, _wait = hit("isolate-receipt-org", str(case.organisation_id), f"{policy.per_hour}/{HOUR}")
    if hits > policy.per_hour:
        return "hourly_limit"
    return ""


def case_isolate_on_receipt(
    *,
    case: Case,
    report: Report,
    items: list[ReportedItem],
    reporter: str,
    linked: bool | None = None,
) -> Decision | None:
    """Isolate a new report's content at once when policy says so; the decision, or None.

    Runs in report_submit's transaction (signal receiver), after the report joined its case;
    the isolate and preserve webhooks commit with the report (outbox), and the worker delivers
    them at once.

    1. Only categories the policy isolates, and only a case still waiting for the desk
       (received or in review; a case already isolated or decided is left alone).
    2. Only with a platform link (without one the feature is off, silently), and only content
       the platform hosts (`hosted_content`).
    3. The abuse guard (`_within_limits`). Over a limit, or not hosted, the report is still
       received and queued; the case says why it was not isolated.
    4. The case moves to "content isolated" (system actor) and the provisional decision is
       recorded under the terms of service (guidelines 2.6, box on agency roles), asking for
       preservation as every isolation does.

    `linked`: whether the organisation has a platform link, when the caller read it in the
    same transaction (case_join_report does, in the statement that joins the case).
    """
    if linked is None:
        linked = PlatformLink.objects.filter(organisation_id=case.organisation_id).exists()
    if not linked:
        return None  # no way to reach the platform: nothing is isolated, nothing to say
    policy = receipt_policy(report.organisation)
    if not policy.isolates(report.category) or case.state not in (
        State.RECEIVED,
        State.IN_REVIEW,
    ):
        return None
    content = hosted_content(report, items, reporter)
    if not (content["urls"] or content["platform_content_ids"]):
        _skip(case, "not_hosted", report.received_at)
        return None
    refused = _within_limits(case, reporter, policy)
    if refused:
        _skip(case, refused, report.received_at)
        return None
    return _isolate_provisionally(
        case=case, clause=policy.clause, detail={"on_receipt": True}, content=content
    )


def _isolate_provisionally(
    *, case: Case, clause: str, detail: dict[str, Any], content: dict[str, Any]
) -> Decision:
    """Move the case to "content isolated" (system actor) and record the provisional decision
    under the terms of service, which asks the platform to isolate and preserve (outbox)."""
    now = timezone.now().replace(microsecond=0)
    from_state = State(case.state)
    Case.objects.filter(pk=case.pk).update(
        version=F("version") + 1,
        state=State.ISOLATED,
        first_action_at=case.first_action_at or now,
    )
    case.refresh_from_db()
    CaseEvent.objects.create(
        case=case,
        kind="transition",
        from_state=from_state,
        to_state=State.ISOLATED,
        reason=clause,
        actor=None,
        at=now,
        detail=detail,
    )
    report_ids = list(case.case_reports.values_list("report_id", flat=True))
    report_set_status(report_ids=report_ids, status=PUBLIC_STATUS[State.ISOLATED])
    return decision_record(
        case=case,
        member=None,
        kind=DecisionKind.CONTENT_ISOLATE,
        ground=Ground.TERMS,
        clause=clause,
        at=now,
        request=None,
        content=content,
    )


def case_isolate_self_report_match(*, case: Case, content_id: str) -> Decision | None:
    """Isolate an upload that matched a child's self-reported image, pending review (#22, item 6).

    The child asked for her own image to be stopped (take-it-down page), so the upload is hidden
    at once while a person reviews the match, as a report is on receipt. Only a case still
    waiting for the desk, and only with a platform link to carry the decision.
    """
    if not PlatformLink.objects.filter(organisation_id=case.organisation_id).exists():
        return None
    if case.state not in (State.RECEIVED, State.IN_REVIEW):
        return None
    return _isolate_provisionally(
        case=case,
        clause=receipt_policy(case.organisation).clause,
        detail={"on_receipt": True, "self_report": True},
        content={"platform_content_ids": [content_id], "urls": [], "user_ids": []},
    )
