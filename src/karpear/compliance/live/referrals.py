"""Referrals: the hotline and the Anti-Cybercrime Unit as notice issuers and recipients, the
referral process, victims' referrals to helplines, and deliveries that arrived (issue #17)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from karpear.cases.selectors import referral_counts
from karpear.compliance.live.base import Live, adopted_version
from karpear.compliance.models import PolicyKind
from karpear.notices.selectors import issuer_counts
from karpear.orgs.models import HelpContact, Organisation
from karpear.orgs.services import help_contacts
from karpear.referrals.selectors import delivery_counts

FIGURE_LABELS: dict[str, Any] = {
    "issuers_hotline": _("Hotline registered as notice issuer"),
    "issuers_acu": _("Anti-Cybercrime Unit registered as notice issuer"),
    "authority_hotline": _("Cases referred to the hotline"),
    "authority_acu": _("Cases referred to the Anti-Cybercrime Unit"),
    "hotline_contacts": _("Hotline shown to reporters"),
    "policy_referral": _("Adopted referral process (version)"),
    "helplines": _("Child helplines shown to reporters"),
    "referral_services": _("Referral services in the directory"),
    "victim_referrals": _("Victim referrals recorded"),
    "referral_reports_sent": _("Referral reports delivered to the police and the hotline"),
    "referral_reports_acknowledged": _("Referral reports acknowledged by the recipient"),
    "child_referrals_sent": _("Child referrals sent after a second person approved"),
    "child_referrals_answered": _("Child referrals the service answered with an outcome"),
}


def hotline_relationship(org: Organisation, now: datetime) -> Live:
    issuers = issuer_counts(org)
    referrals = referral_counts(org)
    contacts = sum(1 for c in help_contacts(org) if c.kind == HelpContact.Kind.HOTLINE)
    shown = issuers["issuers_hotline"] + referrals["authority_hotline"]
    return Live(
        "hotline_relationship",
        "proven" if shown else "missing",
        "yes" if issuers["issuers_hotline"] else None,
        {
            "issuers_hotline": issuers["issuers_hotline"],
            "authority_hotline": referrals["authority_hotline"],
            "hotline_contacts": contacts,
        },
        "desk:notices",
    )


def police_referrals(org: Organisation, now: datetime) -> Live:
    version = adopted_version(org, PolicyKind.REFERRAL)
    referrals = referral_counts(org)
    delivered = delivery_counts(organisation=org)  # referrals that really arrived (issue #17)
    return Live(
        "police_referrals",
        "proven" if version else "partial",
        "yes" if version else "partially",
        {
            "policy_referral": version,
            "authority_acu": referrals["authority_acu"],
            "issuers_acu": issuer_counts(org)["issuers_acu"],
            "referral_reports_sent": delivered["referral_reports_sent"],
            "referral_reports_acknowledged": delivered["referral_reports_acknowledged"],
        },
        "desk:compliance_policies",
    )


def victim_referrals(org: Organisation, now: datetime) -> Live:
    version = adopted_version(org, PolicyKind.REFERRAL)
    helplines = sum(1 for c in help_contacts(org) if c.kind == HelpContact.Kind.HELPLINE)
    referrals = referral_counts(org)
    delivered = delivery_counts(organisation=org)
    ok = bool(version) and helplines > 0
    return Live(
        "victim_referrals",
        "proven" if ok else ("partial" if helplines or version else "missing"),
        "yes" if ok else ("partially" if helplines or version else "no"),
        {
            "policy_referral": version,
            "helplines": helplines,
            "referral_services": referrals["referral_services"],
            "victim_referrals": referrals["victim_referrals"],
            "child_referrals_sent": delivered["child_referrals_sent"],
            "child_referrals_answered": delivered["child_referrals_answered"],
        },
        "desk:compliance_policies",
    )


PROVIDERS = (hotline_relationship, police_referrals, victim_referrals)
