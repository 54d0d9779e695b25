"""Publishing the annual transparency report (guidelines sections 2 and 3; issue #9).

The compliance officer previews the figures for a period, writes the three qualitative sections
of the Tech Coalition's TRUST framework in Khmer and English, and publishes. Publication freezes
the figures; a correction is a new version of the same period with a change note. Only the
suppressed form of the figures (small numbers as "fewer than N") ever leaves the server.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.core.errors import ApplicationError, NotFound
from karpear.orgs.models import Organisation
from karpear.staff.models import Role, StaffMember
from karpear.transparency import suppression
from karpear.transparency.figures import compute
from karpear.transparency.models import TransparencyReport

HEADINGS = ("policies", "processes", "outcomes")  # TRUST: policies and practices; ...
LANGUAGES = ("en", "km")
MAX_SECTION = 20_000
MAX_YEARS = 5


def check_period(start: date | None, end: date | None) -> tuple[date, date]:
    if start is None or end is None:
        raise ApplicationError(
            _("Give the first and last day of the period."),
            fields={"period": [str(_("Enter dates as YYYY-MM-DD."))]},
        )
    if end < start:
        raise ApplicationError(_("The period ends before it starts."), fields={"period": []})
    if (end - start).days > 366 * MAX_YEARS:
        raise ApplicationError(_("A report covers at most five years."), fields={"period": []})
    if start > timezone.localdate():
        raise ApplicationError(_("The period has not started yet."), fields={"period": []})
    return start, end


def default_threshold() -> int:
    return int(settings.KARPEAR_SMALL_NUMBER)


def preview(organisation: Organisation, start: date, end: date) -> dict[str, Any]:
    start, end = check_period(start, end)
    return compute(organisation, start, end)


@dataclass(frozen=True)
class PublishDraft:
    """A checked publication: what the officer confirms on the preview and what is then stored."""

    start: date
    end: date
    narrative: dict[str, dict[str, str]]
    change_note: str
    threshold: int
    version: int


def publish_check(
    *,
    member: StaffMember,
    start: date | None,
    end: date | None,
    narrative: dict[str, dict[str, str]],
    change_note: str = "",
    threshold: int | None = None,
) -> PublishDraft:
    """Every rule of publishing, without writing: the desk shows the preview only for a draft that
    would publish, and report_publish runs the same check again inside its transaction."""
    if member.role != Role.COMPLIANCE:
        raise ApplicationError(
            _("Only the compliance officer can publish the report."), code="forbidden", status=403
        )
    start, end = check_period(start, end)
    threshold = threshold or settings.KARPEAR_SMALL_NUMBER
    if not 2 <= threshold <= 100:
        raise ApplicationError(
            _("Show small numbers as 'fewer than' a threshold between 2 and 100."),
            fields={"threshold": [str(_("Choose a number between 2 and 100."))]},
        )
    errors: dict[str, list[str]] = {}
    clean: dict[str, dict[str, str]] = {}
    for heading in HEADINGS:
        clean[heading] = {}
        for lang in LANGUAGES:
            text = str((narrative.get(heading) or {}).get(lang, "")).strip().replace("\r\n", "\n")
            if not text or len(text) > MAX_SECTION:
                errors[f"{heading}_{lang}"] = [
                    str(_("Write this section (at most 20,000 characters)."))
                ]
            clean[heading][lang] = text
    previous = (
        TransparencyReport.objects.filter(
            organisation=member.organisation, period_start=start, period_end=end
        ).aggregate(v=Max("version"))["v"]
        or 0
    )
    if previous and not change_note.strip():
        errors["change_note"] = [str(_("Say what this corrected version changes."))]
    if errors:
        raise ApplicationError(_("The report was not published."), fields=errors)
    return PublishDraft(start, end, clean, change_note.strip(), threshold, previous + 1)


@transaction.atomic
def report_publish(
    *,
    member: StaffMember,
    start: date | None,
    end: date | None,
    narrative: dict[str, dict[str, str]],
    change_note: str = "",
    threshold: int | None = None,
    request: HttpRequest | None = None,
) -> TransparencyReport:
    org = member.organisation
    start, end = check_period(start, end)
    # Lock the period's versions first, so the version the check computes is the one stored.
    list(
        TransparencyReport.objects.select_for_update()
        .filter(organisation=org, period_start=start, period_end=end)
        .values_list("pk", flat=True)
    )
    draft = publish_check(
        member=member,
        start=start,
        end=end,
        narrative=narrative,
        change_note=change_note,
        threshold=threshold,
    )
    start, end = draft.start, draft.end
    try:
        with transaction.atomic():
            report = TransparencyReport.objects.create(
                organisation=org,
                period_start=start,
                period_end=end,
                version=draft.version,
                threshold=draft.threshold,
                figures=compute(org, start, end),
                narrative=draft.narrative,
                change_note=draft.change_note,
                published_by=member.user,
                published_at=timezone.now(),
            )
    except IntegrityError as exc:  # two officers publishing the same version at once
        raise ApplicationError(
            _("Another version was just published. Reload and try again."), status=409
        ) from exc
    audit_record(
        action="transparency_publish",
        organisation=org,
        actor=member.user,
        object_type="transparency_report",
        object_id=report.pk,
        detail={"period": [start.isoformat(), end.isoformat()], "version": report.version},
        request=request,
    )
    return report


def published(organisation: Organisation) -> list[TransparencyReport]:
    """Every published version, newest period first, latest version first."""
    return list(
        TransparencyReport.objects.filter(organisation=organisation).select_related("published_by")
    )


def get_report(organisation: Organisation, report_id: int) -> TransparencyReport:
    found = TransparencyReport.objects.filter(organisation=organisation, pk=report_id).first()
    if found is None:
        raise NotFound(_("There is no such report."))
    return found


def latest_versions(reports: list[TransparencyReport]) -> list[TransparencyReport]:
    """The newest version of each period, from `published()`'s list."""
    seen: set[tuple[date, date]] = set()
    latest = []
    for report in reports:
        key = (report.period_start, report.period_end)
        if key not in seen:
            seen.add(key)
            latest.append(report)
    return latest


# --- the public form of the figures ------------------------------------------------------------


def public_figures(figures: dict[str, Any], threshold: int) -> dict[str, Any]:
    """The figures with every small number suppressed consistently (suppression.py)."""
    b = suppression.breakdown
    reports = figures["reports"]
    notices = figures["notices"]
    total = reports["total"]

    def timings(group: dict[str, Any]) -> dict[str, Any]:
        return {
            key: {m: suppression.timing(stat, threshold) for m, stat in measures.items()}
            for key, measures in group.items()
        }

    def actions(kinds: dict[str, dict[str, int]]) -> dict[str, Any]:
        return {kind: b(grounds, threshold) for kind, grounds in kinds.items()}

    return {
        "period": figures["period"],
        "threshold": threshold,
        "reports": {
            "total": suppression.hide(total, threshold),
            "by_channel": b(reports["by_channel"], threshold, total),
            "by_category": b(reports["by_category"], threshold, total),
            "items": suppression.hide(reports["items"], threshold),
        },
        "notices": {
            "total": suppression.hide(notices["total"], threshold),
            "by_issuer_kind": b(notices["by_issuer_kind"], threshold, notices["total"]),
            "items": suppression.hide(notices["items"], threshold),
            "hours_to_acknowledge": suppression.timing(
                _median_only(notices["hours_to_acknowledge"]), threshold
            ),
            "hours_to_act": suppression.timing(_median_only(notices["hours_to_act"]), threshold),
        },
        "hash_matches": _hash_matches(figures["hash_matches"], threshold),
        "cases_opened": {
            "total": suppression.hide(figures["cases_opened"]["total"], threshold),
            "by_source": b(
                figures["cases_opened"]["by_source"], threshold, figures["cases_opened"]["total"]
            ),
        },
        "classification": _classification(figures.get("classification"), threshold),
        "content_actions": actions(figures["content_actions"]),
        "account_actions": actions(figures["account_actions"]),
        "referrals": b(figures["referrals"], threshold),
        "victim_referrals": b(figures["victim_referrals"], threshold),
        "referral_deliveries": _referral_deliveries(figures.get("referral_deliveries"), threshold),
        "response_times": {dim: timings(g) for dim, g in figures["response_times"].items()},
        "blocklist": figures["blocklist"],  # addresses, not people: not suppressed
        "evidence": b(figures["evidence"], threshold),
        "self_assessment": figures["self_assessment"],
        "complaints": _complaints(figures.get("complaints"), threshold),
        "education": _education(figures.get("education"), threshold),
        "concerns": _concerns(figures.get("concerns"), threshold),
    }


def _education(figures: dict[str, Any] | None, threshold: int) -> dict[str, Any] | None:
    """Swipe Safe sessions (issue #19, item 6): counts suppressed; the means and the paired
    gain's interval only when they rest on at least `threshold` pairs. None before #19 or when
    no session was held."""
    if not figures or not figures.get("sessions"):
        return None
    enough = figures["pairs"] >= threshold

    def shown(key: str) -> float | None:
        value = figures.get(key)
        return round(value, 1) if enough and value is not None else None

    return {
        "sessions": figures["sessions"],
        "attended": suppression.hide(figures["attended"], threshold),
        "pairs": suppression.hide(figures["pairs"], threshold),
        "pre_mean": shown("pre_mean"),
        "post_mean": shown("post_mean"),
        "mean_gain": shown("mean_gain"),
        "ci_low": shown("ci_low"),
        "ci_high": shown("ci_high"),
        "followup_n": suppression.hide(figures["followup_n"], threshold),
    }


def _concerns(figures: dict[str, Any] | None, threshold: int) -> dict[str, Any] | None:
    """Safeguarding concerns (issue #21, item 6): so few that any count below N could point at
    a person, so every count is suppressed; None in reports published before concerns."""
    if figures is None:
        return None
    total = figures["received"]
    return {
        "received": suppression.hide(total, threshold),
        "acknowledged_in_time": suppression.hide(figures["acknowledged_in_time"], threshold),
        "outcome": suppression.breakdown(figures["outcome"], threshold, total),
    }


def _complaints(figures: dict[str, Any] | None, threshold: int) -> dict[str, Any] | None:
    """Complaints about decisions (issue #17, item 8); None in reports published before
    complaints were received."""
    if figures is None:
        return None
    total = figures["received"]
    return {
        "received": suppression.hide(total, threshold),
        "outcome": suppression.breakdown(figures["outcome"], threshold, total),
        "hours_to_decide": suppression.timing(_median_only(figures["hours_to_decide"]), threshold),
    }


def _classification(figures: dict[str, Any] | None, threshold: int) -> dict[str, Any] | None:
    """The desk's classification of the cases opened (issue #16, item 9); None in reports
    published before the desk classified cases."""
    if figures is None:
        return None
    total = figures["classified"]
    return {
        "classified": suppression.hide(total, threshold),
        "not_classified": suppression.hide(figures["not_classified"], threshold),
        **{
            dim: suppression.breakdown(figures[dim], threshold, total)
            for dim in ("legal_assessment", "content_type", "age_band")
        },
    }


def _referral_deliveries(figures: dict[str, Any] | None, threshold: int) -> dict[str, Any] | None:
    """Referral reports sent and acknowledged (issue #17, item 8); None in reports published
    before referrals were delivered. The median is shown only when it rests on N or more."""
    if figures is None:
        return None
    acknowledged = figures["acknowledged"]
    return {
        "sent": suppression.hide(figures["sent"], threshold),
        "acknowledged": suppression.hide(acknowledged, threshold),
        "median_hours_to_acknowledge": figures["median_hours_to_acknowledge"]
        if acknowledged >= threshold
        else None,
    }


def _hash_matches(matches: dict[str, Any], threshold: int) -> dict[str, Any]:
    if "total" not in matches:
        return matches  # hash matching not set up: said plainly, never shown as 0
    return {
        "total": suppression.hide(matches["total"], threshold),
        "by_bank": suppression.breakdown(matches["by_bank"], threshold, matches["total"]),
        "rejected": suppression.hide(matches["rejected"], threshold),
    }


def _median_only(stat: dict[str, Any]) -> dict[str, Any]:
    return {"n": stat.get("n", 0), "p50": stat.get("p50"), "p90": stat.get("p90")}


def public_document(report: TransparencyReport) -> dict[str, Any]:
    """The published JSON: figures after suppression, the narrative, the version's history."""
    org = report.organisation
    return {
        "format": "karpear-transparency-report/1",
        "organisation": {"name": org.name, "name_km": org.name_km},
        "period": {"start": report.period_start.isoformat(), "end": report.period_end.isoformat()},
        "version": report.version,
        "published_at": report.published_at.isoformat(),
        "change_note": report.change_note,
        "small_numbers": f"1 to {report.threshold - 1} are shown as <{report.threshold}",
        "figures": public_figures(report.figures, report.threshold),
        "narrative": report.narrative,
    }


# DSA harmonised transparency template (Implementing Regulation (EU) 2024/2835, Annex I): where a
# Karpear figure maps onto a field of the template, the CSV names the template's section and
# field; figures the template has no field for are marked "karpear" (docs/transparency.md).
CSV_MAP: list[tuple[str, str, str]] = [
    ("reports.total", "notices_art16", "Number of notices received (all channels)"),
    ("reports.by_channel.*", "notices_art16", "Number of notices by submission channel"),
    (
        "reports.by_category.*",
        "notices_art16",
        "Number of notices by type of alleged illegal content",
    ),
    ("notices.total", "orders_art9", "Number of orders to act against illegal content"),
    ("notices.by_issuer_kind.*", "orders_art9", "Number of orders by issuing authority"),
    (
        "notices.hours_to_acknowledge.p50",
        "orders_art9",
        "Median time to inform the authority of receipt (hours)",
    ),
    ("notices.hours_to_act.p50", "orders_art9", "Median time to give effect to the order (hours)"),
    (
        "content_actions.*.*",
        "own_initiative",
        "Number of restrictions of visibility, by type and ground",
    ),
    ("account_actions.*.*", "own_initiative", "Number of account restrictions, by type and ground"),
    (
        "response_times.all.all.first_action.p50",
        "notices_art16",
        "Median time to take action (hours)",
    ),
    (
        "response_times.channel.*.first_action.p50",
        "notices_art16",
        "Median time to take action, by channel (hours)",
    ),
    (
        "response_times.category.*.first_action.p50",
        "notices_art16",
        "Median time to take action, by type of content (hours)",
    ),
    ("hash_matches.status", "automated_means", "Use of automated means for detection"),
    ("hash_matches.total", "automated_means", "Number of items detected by automated means"),
    ("hash_matches.by_bank.*", "automated_means", "Automated detections, by hash bank"),
    (
        "response_times.*.*.*.*",
        "karpear",
        "Karpear: time to first and final action, n, median, 90th percentile",
    ),
    ("referrals.*", "karpear", "Karpear: referrals to external authorities"),
    (
        "victim_referrals.*",
        "karpear",
        "Karpear: referrals of children to child-protection services",
    ),
    (
        "referral_deliveries.*",
        "karpear",
        "Karpear: referral reports sent, acknowledged, median hours to acknowledgement",
    ),
    ("cases_opened.*", "karpear", "Karpear: cases opened"),
    (
        "classification.*",
        "karpear",
        "Karpear: cases opened, by the desk's classification (legal assessment, type, age)",
    ),
    ("blocklist.*", "karpear", "Karpear: URL blocklist size and changes"),
    ("evidence.*", "karpear", "Karpear: evidence preserved, disclosed, destroyed"),
    ("reports.items", "karpear", "Karpear: items (links) reported"),
    ("notices.items", "karpear", "Karpear: items in orders"),
    # Complaints about decisions (issue #17, item 8): the template's internal complaint handling.
    ("complaints.received", "complaints_art20", "Number of complaints received"),
    (
        "complaints.outcome.upheld",
        "complaints_art20",
        "Number of complaints where the decision was upheld",
    ),
    (
        "complaints.outcome.reversed",
        "complaints_art20",
        "Number of complaints where the decision was reversed",
    ),
    ("complaints.outcome.received", "karpear", "Karpear: complaints not yet decided"),
    (
        "complaints.hours_to_decide.p50",
        "complaints_art20",
        "Median time to decide a complaint (hours)",
    ),
    ("complaints.hours_to_decide.*", "karpear", "Karpear: time to decide a complaint"),
    ("education.*", "karpear", "Karpear: Swipe Safe sessions and knowledge before and after"),
    (
        "concerns.*",
        "karpear",
        "Karpear: safeguarding concerns received, acknowledged in time, outcomes (issue #21)",
    ),
]


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        rows: list[tuple[str, Any]] = []
        for key, inner in value.items():
            rows.extend(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return rows
    return [(prefix, value)]


def _matches(pattern: str, path: str) -> bool:
    want, got = pattern.split("."), path.split(".")
    return len(want) == len(got) and all(w in ("*", g) for w, g in zip(want, got, strict=True))


def public_csv(report: TransparencyReport) -> str:
    """One row per figure: the DSA template section and field it maps to, Karpear's name, value."""
    figures = public_figures(report.figures, report.threshold)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "period_start",
            "period_end",
            "version",
            "dsa_section",
            "dsa_field",
            "karpear_field",
            "value",
        ]
    )
    for path, value in _flatten(
        {k: v for k, v in figures.items() if k not in ("period", "threshold", "self_assessment")}
    ):
        section, field = next(
            ((s, f) for pattern, s, f in CSV_MAP if _matches(pattern, path)), ("karpear", "")
        )
        writer.writerow(
            [
                report.period_start.isoformat(),
                report.period_end.isoformat(),
                report.version,
                section,
                field,
                path,
                "" if value is None else value,
            ]
        )
    return out.getvalue()
