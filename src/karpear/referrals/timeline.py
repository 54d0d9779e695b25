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


SENTENCES: dict[str, Callable[[CaseEvent], str]] = {
    "referral_sent": _sent,
    "referral_ack": _ack,
}
