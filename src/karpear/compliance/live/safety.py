"""Safe by default in the company's apps (issue #18): the safety settings policy and the
terms, code of conduct and privacy notice (items 16-21, 33, 35, 36)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from karpear.compliance.live.base import SUGGESTED, Live
from karpear.documents.selectors import document_summary
from karpear.orgs.models import Organisation
from karpear.safety.selectors import policy_summary

FIGURE_LABELS: dict[str, Any] = {
    "safety_version": _("Adopted safety settings policy (version; 0 = Karpear's defaults)"),
    "youngest_band": _("Youngest age band the service admits"),
    "private_profile_default": _("Profiles private by default in every age band"),
    "location_off_default": _("Location off by default in every age band"),
    "bands_attested": _("Age bands the apps reported on"),
    "lowest_conformance": _("Lowest conformance reported, in percent"),
    "document_version": _("Adopted version"),
    "document_adopted_on": _("Adopted on"),
    "easy_read_versions": _("Easy-read versions (of 3 age bands)"),
    "readable_versions": _("Easy-read versions within the readability target"),
    "public_page": _("Public page"),
}


def _safety_live(provider: str, org: Organisation) -> Live:
    figures = policy_summary(org)
    defaults_ok = figures["private_profile_default"] and figures["location_off_default"]
    attested = figures["bands_attested"] and figures["lowest_conformance"] == 100
    status = "proven" if defaults_ok and attested else ("partial" if defaults_ok else "missing")
    return Live(provider, status, SUGGESTED[status], figures, "desk:safety")


def safety_defaults(org: Organisation, now: datetime) -> Live:
    """Items 33 and 36, AADC standard 7: private defaults served to the apps and attested."""
    return _safety_live("safety_defaults", org)


def location_defaults(org: Organisation, now: datetime) -> Live:
    """AADC standard 10 (geolocation off by default), read from the same policy."""
    return _safety_live("location_defaults", org)


def age_bands_policy(org: Organisation, now: datetime) -> Live:
    """Item 16: settings per Appendix 1 band and age-assurance level. How the company
    establishes age is its own to describe, so this is at most partial."""
    return Live("age_bands_policy", "partial", None, policy_summary(org), "desk:safety")


def _document_live(provider: str, org: Organisation, kind: str, *, easy: bool) -> Live:
    doc = document_summary(org)[kind]
    figures: dict[str, Any] = {
        "document_version": doc["version"],
        "document_adopted_on": doc["adopted_on"],
        "public_page": f"/documents/{kind}/",
    }
    if easy:
        figures.update(easy_read_versions=doc["easy_read"], readable_versions=doc["readable"])
    done = bool(doc["version"]) and (not easy or doc["easy_read"] == 3)
    status = "proven" if done else ("partial" if doc["version"] else "missing")
    return Live(provider, status, SUGGESTED[status], figures, "desk:documents")


def privacy_notice(org: Organisation, now: datetime) -> Live:
    """Item 17: what is collected, why, with whom shared (guidelines 2.5)."""
    return _document_live("privacy_notice", org, "privacy", easy=False)


def privacy_notice_easy(org: Organisation, now: datetime) -> Live:
    """Item 18, AADC standard 4: the notice children of every band can read."""
    return _document_live("privacy_notice_easy", org, "privacy", easy=True)


def code_of_conduct(org: Organisation, now: datetime) -> Live:
    """Item 19: zero tolerance of CSAM and OCSEA, with penalties."""
    return _document_live("code_of_conduct", org, "conduct", easy=False)


def terms_of_use(org: Organisation, now: datetime) -> Live:
    """Item 20: published terms that explicitly prohibit CSAM and OCSEA (guidelines 2.6)."""
    return _document_live("terms_of_use", org, "terms", easy=False)


def terms_easy_read(org: Organisation, now: datetime) -> Live:
    """Item 21: the terms in language children, and carers with low literacy, understand."""
    return _document_live("terms_easy_read", org, "terms", easy=True)


def parental_guidance(org: Organisation, now: datetime) -> Live:
    """Item 35, AADC standard 11: the guidance page is generated from the adopted policy."""
    version = policy_summary(org)["safety_version"]
    return Live(
        "parental_guidance",
        "proven" if version else "partial",
        "yes" if version else "partially",
        {"safety_version": version, "public_page": "/safety/parents/"},
        "desk:safety",
    )


PROVIDERS = (
    safety_defaults,
    location_defaults,
    age_bands_policy,
    privacy_notice,
    privacy_notice_easy,
    code_of_conduct,
    terms_of_use,
    terms_easy_read,
    parental_guidance,
)
