"""How referral events read on the case timeline (registered in apps.ready)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from karpear.cases.models import CaseEvent


def _sent(event: CaseEvent) -> str:
    return _("Referral report sent to %(recipient)s.") % {
        "recipient": (event.detail or {}).get("recipient", "")
    }


def _ack(event: CaseEvent) -> str:
    detail = event.detail or {}
    return _("%(recipient)s acknowledged the referral: their number is %(reference)s.") % {
        "recipient": detail.get("recipient", ""),
        "reference": detail.get("reference", ""),
    }


def _outcome(event: CaseEvent) -> str:
    from karpear.referrals.models import Outcome

    detail = event.detail or {}
    try:
        outcome = str(Outcome(detail.get("outcome", "")).label)
    except ValueError:
        outcome = str(detail.get("outcome", ""))
    return _("%(recipient)s reported the outcome: %(outcome)s.") % {
        "recipient": detail.get("recipient", ""),
        "outcome": outcome,
    }


def _emailed(event: CaseEvent) -> str:
    detail = event.detail or {}
    return _("Referral report to %(recipient)s sent by e-mail to %(to)s.") % {
        "recipient": detail.get("recipient", ""),
        "to": detail.get("to", ""),
    }


def _proposed(event: CaseEvent) -> str:
    return _("Referral of the child to %(recipient)s proposed; it waits for a second person.") % {
        "recipient": (event.detail or {}).get("recipient", "")
    }


def _approved(event: CaseEvent) -> str:
    return _("Referral of the child to %(recipient)s approved by a second person.") % {
        "recipient": (event.detail or {}).get("recipient", "")
    }


def _declined(event: CaseEvent) -> str:
    return _("Referral of the child declined by a second person; nothing was sent.")


def _withdrawn(event: CaseEvent) -> str:
    return _("The child or carer withdrew consent; nothing was sent.")


SENTENCES: dict[str, Callable[[CaseEvent], str]] = {
    "child_referral_proposed": _proposed,
    "child_referral_approved": _approved,
    "child_referral_declined": _declined,
    "child_referral_withdrawn": _withdrawn,
    "referral_sent": _sent,
    "referral_emailed": _emailed,
    "referral_ack": _ack,
    "referral_outcome": _outcome,
}
