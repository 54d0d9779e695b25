"""What a reporter may learn about the outcome of their report (issue #17, item 7).

A plain reason at the level of what they reported: whether it broke the law or the rules and
what happened to it. Never anything about an account, a person, a referral or the clause of a
decision about someone else (guidelines 2.6: the reporter is told the outcome, the suspect is
not exposed).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from karpear.cases.models import CaseEvent, CaseReport, DecisionKind, State
from karpear.orgs.models import Organisation

# Outside our service is left to the referral work (issue #17, item 3): it says what the
# hotline was really sent.
REASONS: dict[str, Promise] = {
    State.CONFIRMED_ILLEGAL: _("We found that what you reported broke the law, and we removed it."),
    State.NOT_ILLEGAL: _(
        "We checked what you reported and found that it did not break the law or our rules, "
        "so we did not remove it."
    ),
    State.NO_ACTION: _(
        "We checked what you reported and did not need to act on it (for example, it was "
        "already gone)."
    ),
}
RESTORED_ON_COMPLAINT = _(
    "The person who posted it asked us to look again. Someone else checked it and found that "
    "it did not break the law or our rules, so it is visible again."
)


def report_outcome(*, organisation: Organisation, reference: str) -> Promise | None:
    """The plain reason for the outcome of the report with this (parsed) reference, or None
    while there is none yet. Two queries: the case, then its outcome events."""
    case_id = (
        CaseReport.objects.filter(report__organisation=organisation, report__reference=reference)
        .values_list("case_id", flat=True)
        .first()
    )
    if case_id is None:
        return None
    events = CaseEvent.objects.filter(case_id=case_id).filter(
        to_state__in=list(REASONS)
    ) | CaseEvent.objects.filter(case_id=case_id, kind="decision_reversed")
    last = events.order_by("at", "id").last()
    if last is None:
        return None
    if last.kind == "decision_reversed":
        kind = last.detail.get("kind")
        if kind in (DecisionKind.CONTENT_ISOLATE, DecisionKind.CONTENT_REMOVE):
            return RESTORED_ON_COMPLAINT
        # An account decision reversed is about another person: say nothing of it.
        return _outcome_before(case_id, last.pk)
    return REASONS.get(last.to_state)


def _outcome_before(case_id: int, event_id: int) -> Promise | None:
    last = (
        CaseEvent.objects.filter(case_id=case_id, to_state__in=list(REASONS), id__lt=event_id)
        .order_by("at", "id")
        .last()
    )
    return REASONS.get(last.to_state) if last else None
