"""The referral report built from a case (issue #17, item 1).

Modelled on NCMEC's CyberTipline report (its published reporting schema: `incidentSummary`,
`internetDetails`, `reportedPerson`, IP capture events and device data, uploaded files with
`fileViewedByEsp` and `publiclyAvailable`, `reporter`, `reportingEsp`), with field names in
snake_case. docs/referral-report.schema.json is the versioned contract.

Every field is either filled from the records or listed in `withheld` with the reason, and
the analyst sees both before sending. The reporter's identity never leaves the company: the
portal does not ask the reporter's consent to share it with the police (guidelines 2.6 on
anonymity), so it is withheld, and only the fact that a child reported is passed on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext, gettext_noop

from karpear.cases.models import Case, Decision
from karpear.core.crypto import decrypt_text
from karpear.evidence.models import CustodyEntry, EvidenceItem
from karpear.reports.models import Report, ReportedItem

SCHEMA_VERSION = "1.0"
# Custody actions that mean a person at the company looked at the file.
VIEWED = ("open", "view", "download")
# CyberTipline's escalation flag: content that is CSAM itself or a child at risk now.
ESCALATE = {"sexual_image", "sexual_video", "live_stream", "sextortion", "grooming"}


@dataclass
class Built:
    report: dict[str, Any]
    filled: list[str] = field(default_factory=list)
    withheld: list[dict[str, str]] = field(default_factory=list)

    def withhold(self, path: str, reason: str) -> None:
        """`reason` is an untranslated message (gettext_noop): stored so, shown translated."""
        self.withheld.append({"field": path, "reason": reason})


# Why a field is withheld: stored as the English message id in the frozen report, and shown
# in the reader's language (desk, PDF, API by Accept-Language) through `withheld_shown`, so a
# referral made on a Khmer desk reads in English to an English reader and the other way round.
_ = gettext_noop
NOT_RECORDED = _("Not recorded on the case.")
NO_LINK = _("No link or content ID was reported.")
NO_ACCOUNT = _("No account was named in the reports or the decisions.")
NO_IP_EVENTS = _("The platform supplied no IP capture events with the preserved content.")
NO_DEVICE = _("The platform supplied no device data with the preserved content.")
NO_FILES = _("No content is held in the evidence vault for this case.")
CONTACT_NEVER = _(
    "The reporter's name and contact are never passed on: reporters were not asked "
    "to share them with the recipient (guidelines 2.6)."
)
NOT_SAID = _("The reporter did not say.")
OWN_WORDS = _("The reporter's own words may identify them; the analyst's reason is sent instead.")
NOT_AGREED = _("Not agreed by the child or carer.")
WITHHELD_REASONS = (
    NOT_RECORDED,
    NO_LINK,
    NO_ACCOUNT,
    NO_IP_EVENTS,
    NO_DEVICE,
    NO_FILES,
    CONTACT_NEVER,
    NOT_SAID,
    OWN_WORDS,
    NOT_AGREED,
)


def withheld_shown(withheld: list[dict[str, str]]) -> list[dict[str, str]]:
    """The withheld fields with their reasons in the active language."""
    return [{**w, "reason": gettext(w["reason"]) if w.get("reason") else ""} for w in withheld]


def _metadata(item: EvidenceItem) -> dict[str, Any]:
    if not item.metadata_encrypted:
        return {}
    try:
        data = json.loads(decrypt_text(item.metadata_encrypted))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def report_build(*, case: Case) -> Built:
    """The report as it would be sent now, with what is withheld and why."""
    reports = list(
        Report.objects.filter(pk__in=case.case_reports.values("report_id")).order_by("pk")
    )
    items = list(ReportedItem.objects.filter(report__in=reports).order_by("pk"))
    evidence = list(
        EvidenceItem.objects.filter(case=case, destroyed_at__isnull=True).order_by("pk")
    )
    viewed = set(
        CustodyEntry.objects.filter(item__in=evidence, action__in=VIEWED).values_list(
            "item_id", flat=True
        )
    )
    accounts = sorted(
        set(
            Decision.objects.filter(case=case)
            .exclude(account_id="")
            .values_list("account_id", flat=True)
        )
        | {i.account_name for i in items if i.account_name}
    )
    org = case.organisation
    first_seen = next((r for r in reports if r.seen_on), None)
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "incident_summary": {
            "incident_type": case.category,
            "legal_assessment": case.legal_assessment or None,
            "content_type": case.content_type or None,
            "apparent_age_band": case.age_band or None,
            "incident_date_time": first_seen.seen_on.isoformat()
            if first_seen and first_seen.seen_on
            else None,
            "reported_at": reports[0].received_at.isoformat() if reports else None,
            "escalate_to_high_priority": case.category in ESCALATE,
            "case_id": case.pk,
            "report_count": len(reports),
        },
        "internet_details": [
            {"url": i.url, "app_name": i.app_name} for i in items if i.url or i.app_name
        ]
        + [
            {"platform_content_id": r.platform_content_id} for r in reports if r.platform_content_id
        ],
        "reported_person": {"platform_identifiers": accounts},
        "ip_capture_events": [],
        "device_data": [],
        "files": [],
        "reporter": {
            "reporter_is_child": next(
                (r.reporter_is_child for r in reports if r.reporter_is_child is not None), None
            )
        },
        "reporting_company": {"name": org.name, "name_km": org.name_km},
    }
    built = Built(report=report)
    for item in evidence:
        meta = _metadata(item)
        report["files"].append(
            {
                "sha256": item.sha256,
                "md5": item.md5,
                "pdq": item.pdq or None,
                "size": item.size,
                "content_type": item.content_type,
                "captured_at": item.captured_at.isoformat(),
                "file_viewed_by_company": item.pk in viewed,
                "publicly_available": meta.get("publicly_available")
                if isinstance(meta.get("publicly_available"), bool)
                else None,
                "evidence_id": item.pk,
            }
        )
        # IP capture events and device data come only as the platform supplied them with
        # preservation (the metadata of the vault upload, docs/integration-platform.md).
        for event in meta.get("ip_capture_events") or []:
            if isinstance(event, dict):
                report["ip_capture_events"].append(
                    {k: str(event[k]) for k in ("ip", "event", "at", "port") if k in event}
                )
        for device in meta.get("devices") or []:
            if isinstance(device, dict):
                report["device_data"].append(
                    {k: str(device[k]) for k in ("type", "id") if k in device}
                )
    _account(built, reports, evidence)
    return built


def _account(built: Built, reports: list[Report], evidence: list[EvidenceItem]) -> None:
    """List each field as filled or withheld, with the reason shown to the analyst."""
    report = built.report
    for key, value in report["incident_summary"].items():
        if value is None:
            built.withhold(f"incident_summary.{key}", NOT_RECORDED)
        else:
            built.filled.append(f"incident_summary.{key}")
    simple = {
        "internet_details": NO_LINK,
        "reported_person.platform_identifiers": NO_ACCOUNT,
        "ip_capture_events": NO_IP_EVENTS,
        "device_data": NO_DEVICE,
        "files": NO_FILES if not evidence else "",
    }
    for path, reason in simple.items():
        found: Any = report
        for part in path.split("."):
            found = found[part]
        if found:
            built.filled.append(path)
        else:
            built.withhold(path, reason)
    built.withhold("reporter.contact", CONTACT_NEVER)
    if report["reporter"]["reporter_is_child"] is None:
        built.withhold("reporter.reporter_is_child", NOT_SAID)
    else:
        built.filled.append("reporter.reporter_is_child")
    built.withhold("incident_summary.description", OWN_WORDS)
    built.filled.append("reporting_company")
