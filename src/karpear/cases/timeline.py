"""The case timeline in sentences (issue #16, item 7): each stored event code becomes a sentence
in the reader's language, so the desk never shows "victim_referral" or "decision:"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils.translation import gettext as _

from karpear.cases.models import (
    AgeBand,
    CaseEvent,
    ContentType,
    DecisionKind,
    Ground,
    LegalAssessment,
    State,
    VictimReferral,
)


def _label(choices: type[models.TextChoices], code: object) -> str:
    try:
        return str(choices(str(code)).label)
    except ValueError:
        return str(code)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str  # the username, or "" for the system
    sentence: str
    reason: str  # free text written by a person, shown as such


def _decision(event: CaseEvent) -> str:
    detail = event.detail or {}
    what = _label(DecisionKind, detail.get("decision", ""))
    ground = str(detail.get("ground", ""))
    account = str(detail.get("account") or "")
    if ground == Ground.LAW:
        sentence = _("Decision: %(what)s, under the law.") % {"what": what}
    elif ground == Ground.TERMS:
        sentence = _("Decision: %(what)s, under the terms of service.") % {"what": what}
    else:
        sentence = _("Decision: %(what)s.") % {"what": what}
    if account:
        sentence += " " + _("Account: %(account)s.") % {"account": account}
    if detail.get("confirmed_by"):
        sentence += " " + _("Confirmed by %(name)s.") % {"name": detail["confirmed_by"]}
    return sentence


def _victim_referral(event: CaseEvent) -> str:
    detail = event.detail or {}
    service = detail.get("service")
    consent = str(detail.get("consent_by", ""))
    if consent == VictimReferral.ConsentBy.NONE or not service:
        return _("Help information given to the child; no referral made.")
    consent_label = _label_consent(consent)
    return _("Child referred to %(service)s, with consent given by %(who)s.") % {
        "service": service,
        "who": consent_label,
    }


def _label_consent(code: str) -> str:
    try:
        return str(VictimReferral.ConsentBy(code).label).lower()
    except ValueError:
        return code


def _transition(event: CaseEvent) -> str:
    if (event.detail or {}).get("self_report"):
        return _(
            "Content isolated provisionally: it matches a picture that a child asked us to stop "
            "spreading (self-report). Who asked is not known to the desk."
        )
    if (event.detail or {}).get("on_receipt"):
        return _("Content isolated on receipt, provisionally, until the desk assesses it.")
    to_state = _label(State, event.to_state)
    if event.from_state:
        return _("Moved from “%(from)s” to “%(to)s”.") % {
            "from": _label(State, event.from_state),
            "to": to_state,
        }
    return _("Moved to “%(to)s”.") % {"to": to_state}


def _assign(event: CaseEvent) -> str:
    assignee = (event.detail or {}).get("assignee")
    if assignee:
        return _("Assigned to %(name)s.") % {"name": assignee}
    return _("No longer assigned to anyone.")


def _classified(event: CaseEvent) -> str:
    detail = event.detail or {}
    return _("Classified: %(legal)s; %(type)s; apparent age %(age)s.") % {
        "legal": _label(LegalAssessment, detail.get("legal_assessment")),
        "type": _label(ContentType, detail.get("content_type")),
        "age": _label(AgeBand, detail.get("age_band")),
    }


def _duplicate(event: CaseEvent) -> str:
    detail = event.detail or {}
    if detail.get("reports_moved"):
        return _("Joined into case #%(n)s: its reports moved there, and this case closed.") % {
            "n": detail.get("target")
        }
    return _("Closed as a duplicate of case #%(n)s.") % {"n": detail.get("target")}


def _joined(event: CaseEvent) -> str:
    cases = ", ".join(f"#{n}" for n in (event.detail or {}).get("cases", []))
    return _("Cases %(cases)s were joined into this one.") % {"cases": cases}


def _isolation_skipped(event: CaseEvent) -> str:
    """Why a report's content was not isolated on receipt (issue #16, item 2)."""
    why = str((event.detail or {}).get("why", ""))
    if why == "reporter_limit":
        return _(
            "Not isolated on receipt: this reporter passed the hourly limit. "
            "The report is queued for the desk."
        )
    if why == "hourly_limit":
        return _(
            "Not isolated on receipt: the hourly limit for isolations was reached. "
            "The report is queued for the desk."
        )
    return _(
        "Not isolated on receipt: the content is not on our service. "
        "The report is queued for the desk."
    )


SENTENCES: dict[str, Callable[[CaseEvent], str]] = {
    "isolation_skipped": _isolation_skipped,
    "duplicate": _duplicate,
    "joined": _joined,
    "classified": _classified,
    "opened": lambda event: _("Case opened."),
    "transition": _transition,
    "assign": _assign,
    "decision": _decision,
    "victim_referral": _victim_referral,
    "note": lambda event: _("Note added."),
    "preserve_requested": lambda event: _(
        "The platform was asked to preserve the content and its user data."
    ),
    "preserved": lambda event: _("The content was preserved in the evidence vault."),
    # Issue #17, item 6: a complaint reversed a decision (the reviewer is the event's actor).
    "decision_reversed": lambda event: (
        _("“%(kind)s” reversed after a complaint.")
        % {"kind": _label(DecisionKind, (event.detail or {}).get("kind", ""))}
    ),
    # Four eyes (issue #16, item 14).
    "confirmation_requested": lambda event: (
        _("%(decision)s asked for; waiting for a second analyst to confirm it.")
        % {"decision": _label(DecisionKind, (event.detail or {}).get("decision"))}
    ),
    "confirmation_rejected": lambda event: (
        _("%(decision)s rejected by the second analyst; nothing was sent to the platform.")
        % {"decision": _label(DecisionKind, (event.detail or {}).get("decision"))}
    ),
}


def sentence(event: CaseEvent) -> str:
    """One event as a sentence. Unknown kinds (from a newer version) read as a plain record."""
    describe = SENTENCES.get(event.kind)
    if describe is None:
        return _("Recorded: %(kind)s.") % {"kind": event.kind.replace("_", " ")}
    return describe(event)


def timeline(events: list[CaseEvent]) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            at=e.at,
            actor=e.actor.get_username() if e.actor else "",
            sentence=sentence(e),
            reason=e.reason,
        )
        for e in events
    ]
