"""`{% case_referrals case as rows %}`: the case page lists inbox referrals without the desk
view knowing this app."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext

from karpear.cases.models import Case, VictimReferral
from karpear.referrals.child import SHAREABLE_LABELS
from karpear.referrals.inboxes import inbox_binding
from karpear.referrals.models import ChildReferralProposal, ProposalStatus, Referral
from karpear.referrals.selectors import referrals_for_case

register = template.Library()


@register.simple_tag
def case_referrals(case: Case) -> list[Referral]:
    return referrals_for_case(case=case)


@register.simple_tag
def child_referral_sent(victim_referral: VictimReferral) -> bool:
    """Proposed (waiting for a second person) or sent: the lead's form is not shown again."""
    return ChildReferralProposal.objects.filter(
        victim_referral=victim_referral,
        status__in=(ProposalStatus.PROPOSED, ProposalStatus.APPROVED, ProposalStatus.WITHDRAWN),
    ).exists()


@register.simple_tag
def child_proposals(case: Case) -> list[dict[str, Any]]:
    """The case's child-referral proposals with the chosen fields' labels (never values) and
    the service's confirmed inbox (which key, bound and confirmed by whom, when), or None: the
    approver sees where the child's details would go before approving."""
    rows = list(
        ChildReferralProposal.objects.filter(case=case)
        .select_related("proposed_by", "decided_by", "victim_referral__service")
        .order_by("proposed_at", "pk")
    )
    return [
        {
            "proposal": p,
            "labels": [str(SHAREABLE_LABELS[f]) for f in p.fields if f in SHAREABLE_LABELS],
            # One query per proposal: a case has one or two.
            "inbox": inbox_binding(p.victim_referral.service)
            if p.victim_referral.service is not None
            else None,
        }
        for p in rows
    ]


@register.simple_tag
def child_field_choices() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in SHAREABLE_LABELS.items()]


@register.filter
def withheld_reason(reason: str) -> str:
    """A stored (untranslated) withheld-field reason in the reader's language."""
    return gettext(reason) if reason else ""
