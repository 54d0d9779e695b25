"""Live evidence: where Karpear's own records answer a checklist item (issue #8, point 4).

Each provider reads counts through the other apps' public selectors and says what the records
show, which answer they support, and where to look. A provider for a capability that is not built
says so plainly (status "not_built") instead of inventing a figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.blocklist.services import list_summary
from karpear.cases.selectors import desk_figures, referral_counts
from karpear.compliance.models import (
    Assessment,
    AssessmentStatus,
    PolicyDocument,
    PolicyKind,
    Product,
)
from karpear.concerns.selectors import concern_figures
from karpear.education.selectors import programme_evidence
from karpear.evidence.register import register_statistics
from karpear.evidence.services import evidence_counts
from karpear.hashes.selectors import bank_summary
from karpear.notices.selectors import issuer_counts
from karpear.orgs.models import HelpContact, Organisation
from karpear.orgs.services import help_contacts
from karpear.reports.selectors import report_counts
from karpear.safeguarding.selectors import acknowledgement_figures, officer_summary
from karpear.safeguarding.training import training_figures
from karpear.staff.models import Role, StaffMember
from karpear.transparency.selectors import publication_summary

STATUS_LABELS = {
    "proven": _("Karpear's records show this"),
    "partial": _("Karpear's records show part of this"),
    "missing": _("Karpear's records do not show this yet"),
    "not_configured": _("Not set up in Karpear"),
    "not_built": _(
        "Karpear cannot show this yet: this capability is not built. Answer from your own records."
    ),
}

FIGURE_LABELS: dict[str, Any] = {
    "products": _("Products and services listed"),
    "banks": _("Hash banks in use"),
    "hashes": _("Hashes that can match"),
    "products_with_cria": _("Products with a CRIA signed in the last two years"),
    "signed_on": _("Last signed off on"),
    "gaps": _("Items answered Partially or No"),
    "portal": _("Public reporting portal"),
    "reports_total": _("Reports received (all time)"),
    "reports_year": _("Reports received (last 365 days)"),
    "reports_web": _("Reports through the web portal"),
    "reports_in_app": _("Reports through the in-app API"),
    "khmer_default": _("Khmer is the default language"),
    "works_without_js": _("Works without JavaScript"),
    "accessibility_check": _("Accessibility check"),
    "listed": _("People on the personnel register"),
    "screened_valid": _("Screening current"),
    "expired_or_missing": _("Screening expired or missing"),
    "wellness_offered": _("Well-being support offered"),
    "case_staff_unlisted": _("Case staff not on the register"),
    "issuers_hotline": _("Hotline registered as notice issuer"),
    "issuers_acu": _("Anti-Cybercrime Unit registered as notice issuer"),
    "authority_hotline": _("Cases referred to the hotline"),
    "authority_acu": _("Cases referred to the Anti-Cybercrime Unit"),
    "hotline_contacts": _("Hotline shown to reporters"),
    "cases_total": _("Cases recorded"),
    "decisions": _("Decisions recorded"),
    "overdue_open": _("Open cases past their deadline"),
    "sources": _("Registered blocklist sources"),
    "own_entries": _("Entries from registered sources"),
    "subscribed_entries": _("Entries from subscribed lists"),
    "policy_takedown": _("Adopted notice-and-takedown procedure (version)"),
    "policy_referral": _("Adopted referral process (version)"),
    "notices": _("Notices received"),
    "report_periods": _("Transparency reports published (periods)"),
    "report_latest": _("Newest published period"),
    "report_version": _("Its latest version"),
    "retention_days": _("Evidence retention (days)"),
    "held": _("Evidence items held"),
    "destroyed": _("Evidence items destroyed"),
    "certificates": _("Destruction certificates"),
    "past_retention": _("Items past retention, not yet destroyed"),
    "helplines": _("Child helplines shown to reporters"),
    "referral_services": _("Referral services in the directory"),
    "victim_referrals": _("Victim referrals recorded"),
    "referral_reports_sent": _("Referral reports delivered to the police and the hotline"),
    "referral_reports_acknowledged": _("Referral reports acknowledged by the recipient"),
    "child_referrals_sent": _("Child referrals sent after a second person approved"),
    "child_referrals_answered": _("Child referrals the service answered with an outcome"),
    "anonymous_reporting": _("Reports can be anonymous"),
    "contact_retention_days": _("Reporter contact details deleted after (days)"),
    "contact_encrypted": _("Reporter contact details encrypted"),
    "raw_ip_kept": _("Raw IP addresses kept"),
    "third_party_requests": _("Third-party requests from pages"),
    # Swipe Safe education (issue #19), items 37-41.
    "curricula": _("Curricula in use"),
    "education_sessions": _("Education sessions in the last 365 days"),
    "education_attended": _("People who attended them"),
    "education_audiences": _("Audiences reached"),
    "education_pairs": _("Participants measured before and after"),
    "education_followups": _("Participants asked about practice at follow-up"),
    "education_partners": _("Partner organisations"),
    # Safeguarding inside the company (issue #21; items 3, 7, 8, 24).
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


@dataclass(frozen=True)
class Live:
    provider: str
    status: str
    suggested: str | None  # the checklist answer the records support: yes / partially / no
    figures: dict[str, Any] = field(default_factory=dict)
    link: str = ""  # a desk URL name

    @classmethod
    def from_dict(cls, frozen: dict[str, Any]) -> Live:
        return cls(frozen["provider"], frozen["status"], frozen["suggested"], frozen["figures"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "status": self.status,
            "suggested": self.suggested,
            "figures": self.figures,
        }


def _verdict(done: int, total: int) -> tuple[str, str | None]:
    if total == 0:
        return "not_configured", None
    if done >= total:
        return "proven", "yes"
    return ("partial", "partially") if done else ("missing", "no")


def cria_coverage(org: Organisation, now: datetime) -> Live:
    products = Product.objects.filter(organisation=org)
    covered = (
        products.filter(
            assessment__framework_id="cria",
            assessment__status=AssessmentStatus.SIGNED,
            assessment__signed_at__gte=now - timedelta(days=730),
        )
        .distinct()
        .count()
    )
    status, suggested = _verdict(covered, products.count())
    return Live(
        "cria_coverage",
        status,
        suggested,
        {"products": products.count(), "products_with_cria": covered},
        "desk:compliance",
    )


def _latest_signed(org: Organisation, framework_id: str, now: datetime) -> Live:
    latest = (
        Assessment.objects.filter(
            organisation=org, framework_id=framework_id, status=AssessmentStatus.SIGNED
        )
        .order_by("-signed_at")
        .first()
    )
    if latest is None or latest.signed_at is None:
        return Live(f"{framework_id}_assessment", "missing", "no", {}, "desk:compliance")
    outcomes = latest.frozen_outcomes()
    gaps = outcomes["partially"] + outcomes["no"]
    fresh = now < latest.signed_at + latest.reassess_period
    return Live(
        f"{framework_id}_assessment",
        "proven" if fresh else "partial",
        ("yes" if not gaps else "partially") if fresh else "partially",
        {"signed_on": timezone.localdate(latest.signed_at).isoformat(), "gaps": gaps},
        "desk:compliance",
    )


def sbd_assessment(org: Organisation, now: datetime) -> Live:
    return _latest_signed(org, "sbd", now)


def aadc_assessment(org: Organisation, now: datetime) -> Live:
    return _latest_signed(org, "aadc", now)


def reporting_facility(org: Organisation, now: datetime) -> Live:
    total = report_counts(org)
    year = report_counts(org, since=now - timedelta(days=365))
    return Live(
        "reporting_facility",
        "proven",
        "yes",
        {
            "portal": f"https://{org.domain}/" if org.domain else "/",
            "reports_total": total["total"],
            "reports_year": year["total"],
            "reports_web": total.get("web", 0),
            "reports_in_app": total.get("in_app", 0),
        },
        "desk:figures",
    )


def portal_accessibility(org: Organisation, now: datetime) -> Live:
    # The portal's WCAG 2.2 AA check (axe-core in Chromium) is part of Karpear's release tests
    # (tests/browser); the company still confirms the link is visible in its own apps.
    return Live(
        "portal_accessibility",
        "proven",
        "yes",
        {
            "khmer_default": settings.LANGUAGE_CODE == "km",
            "works_without_js": True,
            "accessibility_check": "WCAG 2.2 AA (axe-core, Chromium) in every release",
        },
    )


def personnel_screening(org: Organisation, now: datetime) -> Live:
    stats = register_statistics(org.pk)
    case_staff = StaffMember.objects.filter(
        organisation=org, role__in=[Role.ANALYST, Role.LEAD], user__is_active=True
    )
    unlisted = case_staff.filter(personnel__isnull=True).count()
    status, suggested = _verdict(
        stats["screened_valid"], stats["listed"] + unlisted if case_staff.exists() else 0
    )
    trained = training_figures(org)  # training records (issue #21, item 4)
    return Live(
        "personnel_screening",
        status,
        suggested,
        {
            **stats,
            "case_staff_unlisted": unlisted,
            "csam_staff": trained["csam_staff"],
            "csam_staff_trained": trained["csam_staff_trained"],
        },
        "desk:personnel",
    )


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


def case_records(org: Organisation, now: datetime) -> Live:
    figures = desk_figures(org)
    decisions = figures["decisions"]
    return Live(
        "case_records",
        "proven",
        "yes",
        {
            "reports_total": report_counts(org)["total"],
            "cases_total": figures["cases_total"],
            "decisions": sum(decisions.values()) if isinstance(decisions, dict) else 0,
            "overdue_open": figures["overdue_open"],
        },
        "desk:figures",
    )


def hash_matching(org: Organisation, now: datetime) -> Live:
    banks = bank_summary(org)
    hashes = sum(b["enabled"] for b in banks)
    if not hashes:
        return Live("hash_matching", "not_configured", None, {"banks": len(banks)}, "")
    return Live(
        "hash_matching",
        "proven",
        "yes",
        {"banks": ", ".join(f"{b['name']} ({b['source']})" for b in banks), "hashes": hashes},
    )


def transparency_report(org: Organisation, now: datetime) -> Live:
    """Guidelines 2 and 3 ask for an annual report: proven when the newest published period
    ended within the last 15 months (a year and the time to write it), partial when older."""
    summary = publication_summary(org)
    latest = summary["latest"]
    if latest is None:
        return Live("transparency_report", "missing", "no", {"report_periods": 0}, _DESK_REPORT)
    current = latest["period_end"] >= (now - timedelta(days=456)).date()
    return Live(
        "transparency_report",
        "proven" if current else "partial",
        "yes" if current else "partially",
        {
            "report_periods": summary["periods"],
            "report_latest": f"{latest['period_start']} to {latest['period_end']}",
            "report_version": latest["version"],
        },
        _DESK_REPORT,
    )


_DESK_REPORT = "desk:transparency"


def url_blocking_sources(org: Organisation, now: datetime) -> Live:
    summary = list_summary(org)
    sources = [s.code for s in summary["sources"]]
    entries = summary["own_entries"] + summary["subscribed_entries"]
    # Entries can only come from a registered source or a signed subscription (blocklist models).
    return Live(
        "url_blocking_sources",
        "proven" if entries or sources else "not_configured",
        "yes" if entries or sources else None,
        {
            "sources": ", ".join(sources),
            "own_entries": summary["own_entries"],
            "subscribed_entries": summary["subscribed_entries"],
        },
        "desk:blocklist",
    )


def _adopted(org: Organisation) -> dict[str, int]:
    versions: dict[str, int] = {}
    for kind, version in PolicyDocument.objects.filter(organisation=org).values_list(
        "kind", "version"
    ):
        versions[kind] = max(versions.get(kind, 0), version)
    return versions


def takedown_procedure(org: Organisation, now: datetime) -> Live:
    adopted = _adopted(org)
    version = adopted.get(PolicyKind.TAKEDOWN, 0)
    return Live(
        "takedown_procedure",
        "proven" if version else "missing",
        "yes" if version else "no",
        {"policy_takedown": version, "notices": issuer_counts(org)["notices"]},
        "desk:compliance_policies",
    )


def evidence_destruction(org: Organisation, now: datetime) -> Live:
    counts = evidence_counts(org.pk, now=now)
    version = _adopted(org).get(PolicyKind.TAKEDOWN, 0)
    ok = bool(version) and counts["past_retention"] == 0
    return Live(
        "evidence_destruction",
        "proven" if ok else ("partial" if version else "missing"),
        "yes" if ok else ("partially" if version else "no"),
        {"policy_takedown": version, **counts},
        "desk:certificates",
    )


def _deliveries(org: Organisation, *names: str) -> dict[str, int]:
    """Referrals that really arrived (issue #17), from the referrals app's public selector."""
    from karpear.referrals.selectors import delivery_counts

    counts = delivery_counts(organisation=org)
    return {name: int(counts[name]) for name in names}  # type: ignore[literal-required]


def police_referrals(org: Organisation, now: datetime) -> Live:
    version = _adopted(org).get(PolicyKind.REFERRAL, 0)
    referrals = referral_counts(org)
    return Live(
        "police_referrals",
        "proven" if version else "partial",
        "yes" if version else "partially",
        {
            "policy_referral": version,
            "authority_acu": referrals["authority_acu"],
            "issuers_acu": issuer_counts(org)["issuers_acu"],
            **_deliveries(org, "referral_reports_sent", "referral_reports_acknowledged"),
        },
        "desk:compliance_policies",
    )


def victim_referrals(org: Organisation, now: datetime) -> Live:
    version = _adopted(org).get(PolicyKind.REFERRAL, 0)
    helplines = sum(1 for c in help_contacts(org) if c.kind == HelpContact.Kind.HELPLINE)
    referrals = referral_counts(org)
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
            **_deliveries(org, "child_referrals_sent", "child_referrals_answered"),
        },
        "desk:compliance_policies",
    )


def privacy_defaults(org: Organisation, now: datetime) -> Live:
    # Karpear's own defaults (PRODUCT.md "Privacy by default"). The company's services are its
    # own to answer for, so no answer is suggested.
    return Live(
        "privacy_defaults",
        "partial",
        None,
        {
            "anonymous_reporting": True,
            "contact_encrypted": True,
            "contact_retention_days": settings.KARPEAR_CONTACT_RETENTION_DAYS,
            "raw_ip_kept": False,
            "third_party_requests": False,
        },
    )


def _education(org: Organisation, now: datetime) -> dict[str, Any]:
    ev = programme_evidence(org, since=(now - timedelta(days=365)).date())
    return {
        "curricula": ev["curricula"],
        "education_sessions": ev["sessions"],
        "education_attended": ev["attended"],
        "education_audiences": ", ".join(ev["audiences"]),
        "education_pairs": ev["pairs"],
        "education_followups": ev["followups"],
        "education_partners": ", ".join(ev["partners"]),
    }


def education_programme(org: Organisation, now: datetime) -> Live:
    """Items 37-39: sessions held, and (section 3) their effect on knowledge and practice
    measured, not awareness alone: proven only when before/after pairs and follow-ups exist."""
    f = _education(org, now)
    measured = bool(f["education_pairs"]) and bool(f["education_followups"])
    held = bool(f["education_sessions"])
    return Live(
        "education_programme",
        "proven" if held and measured else ("partial" if held else "missing"),
        "yes" if held and measured else ("partially" if held else "no"),
        f,
        "desk:education_impact",
    )


def education_partners(org: Organisation, now: datetime) -> Live:
    """Item 40: sessions run with a named partner (NGO, government, school)."""
    f = _education(org, now)
    return Live(
        "education_partners",
        "proven" if f["education_partners"] else "missing",
        "yes" if f["education_partners"] else "no",
        {k: f[k] for k in ("education_partners", "education_sessions")},
        "desk:education",
    )


def education_research(org: Organisation, now: datetime) -> Live:
    """Item 41 (2.4: evidence of Cambodian interventions' effectiveness): Karpear's own paired
    measurements are such evidence; other research the company supports is its own to add."""
    f = _education(org, now)
    return Live(
        "education_research",
        "partial" if f["education_pairs"] else "missing",
        "partially" if f["education_pairs"] else None,
        {k: f[k] for k in ("education_pairs", "education_followups")},
        "desk:education_impact",
    )


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


PROVIDERS: dict[str, Callable[[Organisation, datetime], Live]] = {
    fn.__name__: fn
    for fn in (
        cria_coverage,
        sbd_assessment,
        aadc_assessment,
        reporting_facility,
        portal_accessibility,
        personnel_screening,
        hotline_relationship,
        case_records,
        hash_matching,
        transparency_report,
        url_blocking_sources,
        takedown_procedure,
        evidence_destruction,
        police_referrals,
        victim_referrals,
        privacy_defaults,
        education_programme,
        education_partners,
        education_research,
        safeguarding_officer,
        safeguarding_policy,
        staff_awareness,
    )
}


def live_figure(provider: str, org: Organisation, now: datetime | None = None) -> Live | None:
    fn = PROVIDERS.get(provider)
    return fn(org, now or timezone.now()) if fn else None


def suggested_profile(org: Organisation) -> dict[str, bool]:
    """What Karpear's records say about the company, to pre-tick the profile questions."""
    summary = list_summary(org)
    return {
        "used_by_children": True,  # the safe assumption (2.3: products not meant for children)
        "hosts_user_content": bool(report_counts(org)["in_app"]),
        "url_blocking": bool(summary["sources"] or summary["subscriptions"]),
    }


# Safe by default in the company's apps (issue #18): the safety policy and the documents.
FIGURE_LABELS.update(
    {
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
)


def _safety_live(provider: str, org: Organisation) -> Live:
    from karpear.safety.selectors import policy_summary

    figures = policy_summary(org)
    defaults_ok = figures["private_profile_default"] and figures["location_off_default"]
    attested = figures["bands_attested"] and figures["lowest_conformance"] == 100
    status = "proven" if defaults_ok and attested else ("partial" if defaults_ok else "missing")
    suggested = {"proven": "yes", "partial": "partially", "missing": "no"}[status]
    return Live(provider, status, suggested, figures, "desk:safety")


def safety_defaults(org: Organisation, now: datetime) -> Live:
    """Items 33 and 36, AADC standard 7: private defaults served to the apps and attested."""
    return _safety_live("safety_defaults", org)


def location_defaults(org: Organisation, now: datetime) -> Live:
    """AADC standard 10 (geolocation off by default), read from the same policy."""
    return _safety_live("location_defaults", org)


def age_bands_policy(org: Organisation, now: datetime) -> Live:
    """Item 16: settings per Appendix 1 band and age-assurance level. How the company
    establishes age is its own to describe, so this is at most partial."""
    from karpear.safety.selectors import policy_summary

    figures = policy_summary(org)
    return Live("age_bands_policy", "partial", None, figures, "desk:safety")


def _document_live(provider: str, org: Organisation, kind: str, *, easy: bool) -> Live:
    from karpear.documents.selectors import document_summary

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
    suggested = {"proven": "yes", "partial": "partially", "missing": "no"}[status]
    return Live(provider, status, suggested, figures, "desk:documents")


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
    from karpear.safety.selectors import policy_summary

    version = policy_summary(org)["safety_version"]
    return Live(
        "parental_guidance",
        "proven" if version else "partial",
        "yes" if version else "partially",
        {"safety_version": version, "public_page": "/safety/parents/"},
        "desk:safety",
    )


PROVIDERS.update(
    {
        fn.__name__: fn
        for fn in (
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
    }
)
