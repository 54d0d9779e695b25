"""Safeguarding inside the company (issue #21): the officer, the policy and code of conduct
acknowledged, staff training and the confidential concern channel (items 3, 7, 8, 24)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from karpear.compliance.live.base import Live
from karpear.concerns.selectors import concern_figures
from karpear.orgs.models import Organisation
from karpear.safeguarding.selectors import acknowledgement_figures, officer_summary
from karpear.safeguarding.training import training_figures

FIGURE_LABELS: dict[str, Any] = {
    "officer": _("Designated safeguarding officer"),
    "officer_since": _("Appointed on"),
    "officer_mandate": _("Mandate recorded"),
    "deputy": _("Deputy safeguarding officer"),
    "policy_version": _("Adopted safeguarding policy (version)"),
    "policy_acknowledged": _("Staff who acknowledged the policy"),
    "policy_ack_share": _("Share of staff who acknowledged the policy, in per cent"),
    "conduct_version": _("Adopted staff code of conduct (version)"),
    "conduct_acknowledged": _("Staff who acknowledged the code of conduct"),
    "conduct_ack_share": _("Share of staff who acknowledged the code of conduct, in per cent"),
    "staff_listed": _("People in the staff directory"),
    "training_current": _("Staff with every required course current"),
    "training_overdue": _("Staff with training overdue"),
    "csam_staff": _("Staff who may encounter CSAM"),
    "csam_staff_trained": _("Of them, with handling and well-being training current"),
    "concerns_received": _("Concerns raised in confidence"),
    "concerns_acknowledged_in_time": _("Concerns acknowledged in time"),
    "concerns_waiting_overdue": _("Concerns waiting past the time to acknowledge"),
}


def safeguarding_officer(org: Organisation, now: datetime) -> Live:
    """Item 3 (guidelines 2.2): a designated child-rights officer with a mandate."""
    summary = officer_summary(org)
    ok = bool(summary["officer"] and summary["officer_mandate"])
    # Nothing recorded suggests no answer: the company may have appointed someone Karpear does
    # not know of yet, so the compliance officer answers.
    return Live(
        "safeguarding_officer",
        "proven" if ok and summary["deputy"] else ("partial" if ok else "missing"),
        "yes" if ok else None,
        summary,
        "desk:safeguarding_officers",
    )


def _concerns(org: Organisation) -> dict[str, Any]:
    figures = concern_figures(org)
    return {
        "concerns_received": figures["received"],
        "concerns_acknowledged_in_time": figures["acknowledged_in_time"],
        "concerns_waiting_overdue": figures["waiting_overdue"],
    }


def safeguarding_policy(org: Organisation, now: datetime) -> Live:
    """Item 7 (2.2): an adopted policy and code of conduct, applied across departments (every
    employee asked to acknowledge it) with a confidential channel that someone answers."""
    acks = acknowledgement_figures(org)
    officer = officer_summary(org)["officer"]
    policy, conduct = acks.get("policy_version", 0), acks.get("conduct_version", 0)
    ok = bool(policy and conduct and officer)
    return Live(
        "safeguarding_policy",
        "proven" if ok else ("partial" if policy else "missing"),
        # No policy in Karpear suggests nothing: it may exist on paper; the officer answers.
        "yes" if ok else ("partially" if policy else None),
        {**acks, **_concerns(org)},
        "desk:safeguarding_policies",
    )


def staff_awareness(org: Organisation, now: datetime) -> Live:
    """Item 8: employees know the policies (acknowledged the latest version, training current)
    and where to report (the concern channel, named in the policy they acknowledged)."""
    acks = acknowledgement_figures(org)
    training = training_figures(org)
    if not training["staff_listed"]:
        return Live("staff_awareness", "not_configured", None, training, "desk:safeguarding_staff")
    share = int(acks.get("policy_ack_share", 0))
    full = share == 100 and not training["training_overdue"]
    some = share > 0 or training["training_current"] > 0
    return Live(
        "staff_awareness",
        "proven" if full else ("partial" if some else "missing"),
        "yes" if full else ("partially" if some else "no"),
        {**acks, **training, **_concerns(org)},
        "desk:safeguarding_training",
    )


PROVIDERS = (safeguarding_officer, safeguarding_policy, staff_awareness)
