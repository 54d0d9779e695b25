"""Decisions to contest, made through the real desk services."""

from __future__ import annotations

from karpear.cases.models import Decision, DecisionKind
from karpear.complaints.models import Complaint, ComplaintChannel
from karpear.complaints.services import complaint_submit
from karpear.orgs.models import Organisation
from tests.cast import Person, decide_account, isolate_post, make_case


def a_ban(
    org: Organisation, by: Person, account: str = "u7", category: str = "grooming"
) -> Decision:
    case = make_case(org, url=f"https://social.example/p/{account}", category=category)
    decision: Decision = decide_account(
        by, case, DecisionKind.ACCOUNT_BAN, account_id=account, clause="Rules 4"
    )
    return decision


def an_isolation(
    org: Organisation, by: Person, post: int = 3, category: str = "grooming"
) -> Decision:
    decision: Decision = isolate_post(org, by, post, category=category)
    return decision


def a_complaint(org: Organisation, decider: Person, account: str = "u9") -> Complaint:
    """A complaint through the platform about a ban `decider` made."""
    complaint, _created = complaint_submit(
        organisation=org,
        decision=a_ban(org, decider, account=account),
        channel=ComplaintChannel.PLATFORM,
        reason="It was not me.",
    )
    return complaint
