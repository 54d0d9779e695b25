"""The case state machine (guidelines 2.6; issue #3, item 5).

received -> in review -> (content isolated) -> referred -> outcome -> closed,
with reopening by the safeguarding lead. Public reports: isolate until
assessed, refer to the Anti-Cybercrime Unit (and optionally the hotline),
remove permanently if confirmed.
"""

from __future__ import annotations

from karpear.cases.models import DecisionKind, State
from karpear.reports.models import PublicStatus

OUTCOMES = frozenset(
    {State.CONFIRMED_ILLEGAL, State.NOT_ILLEGAL, State.OUTSIDE_SERVICE, State.NO_ACTION}
)

TRANSITIONS: dict[State, frozenset[State]] = {
    State.RECEIVED: frozenset({State.IN_REVIEW}),
    State.IN_REVIEW: frozenset(
        {State.ISOLATED, State.REFERRED, State.NOT_ILLEGAL, State.OUTSIDE_SERVICE, State.NO_ACTION}
    ),
    State.ISOLATED: frozenset(
        {State.REFERRED, State.NOT_ILLEGAL, State.OUTSIDE_SERVICE, State.NO_ACTION}
    ),
    State.REFERRED: OUTCOMES,
    State.CONFIRMED_ILLEGAL: frozenset({State.CLOSED}),
    State.NOT_ILLEGAL: frozenset({State.CLOSED}),
    State.OUTSIDE_SERVICE: frozenset({State.CLOSED}),
    State.NO_ACTION: frozenset({State.CLOSED}),
    State.CLOSED: frozenset({State.IN_REVIEW}),  # reopening: safeguarding lead only
}

# Content decisions a state change implies, recorded with it.
IMPLIED_DECISION: dict[State, DecisionKind] = {
    State.ISOLATED: DecisionKind.CONTENT_ISOLATE,
    State.CONFIRMED_ILLEGAL: DecisionKind.CONTENT_REMOVE,
}

# Entering one of these counts as the first action for the SLA and the
# transparency report ("time from report to action", section 2).
ACTION_STATES = frozenset({State.ISOLATED, State.REFERRED}) | OUTCOMES

PUBLIC_STATUS: dict[State, PublicStatus] = {
    State.RECEIVED: PublicStatus.RECEIVED,
    State.IN_REVIEW: PublicStatus.CHECKING,
    State.ISOLATED: PublicStatus.CHECKING,
    State.REFERRED: PublicStatus.CHECKING,
    State.CONFIRMED_ILLEGAL: PublicStatus.ACTION_TAKEN,
    # Issue #17, item 3: say what really happened, not "we took action".
    State.OUTSIDE_SERVICE: PublicStatus.PASSED_TO_HOTLINE,
    State.NOT_ILLEGAL: PublicStatus.CHECKING,
    State.NO_ACTION: PublicStatus.CHECKING,
    State.CLOSED: PublicStatus.CLOSED,
}


def allowed(from_state: State, to_state: State) -> bool:
    return to_state in TRANSITIONS.get(from_state, frozenset())
