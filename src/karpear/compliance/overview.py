"""The view of an assessment: areas, counts, minimum items met, gaps and planned actions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_lazy as _

from karpear.compliance.common import OUTCOMES, current_answers, framework_of, outcome
from karpear.compliance.frameworks import Framework, Item
from karpear.compliance.live import Live, live_figure, live_reader
from karpear.compliance.models import Answer, AnswerFile, Assessment
from karpear.core.errors import NotFound

# --- the view of an assessment -----------------------------------------------------------------


@dataclass
class Row:
    item: Item
    answer: Answer | None
    outcome: str
    live: Live | None
    files: list[AnswerFile]


@dataclass
class Area:
    id: str
    title: str
    rows: list[Row]
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Overview:
    assessment: Assessment
    framework: Framework
    areas: list[Area]
    counts: dict[str, int]
    minimum_total: int
    minimum_met: int
    gaps: list[Row]
    actions: list[Row]
    reassess_by: date | None

    @property
    def complete(self) -> bool:
        return self.counts.get("open", 0) == 0


def _row_live(
    row_answer: Answer | None,
    item: Item,
    assessment: Assessment,
    read: Callable[[str], Live | None],
) -> Live | None:
    if not item.live:
        return None
    if assessment.is_frozen:
        snapshot = row_answer.live if row_answer and row_answer.live else None
        frozen = (assessment.frozen or {}).get("live", {}).get(item.ref) or snapshot
        return Live.from_dict(frozen) if frozen else None
    return read(item.live)


def _row(
    assessment: Assessment,
    item: Item,
    answer: Answer | None,
    files: list[AnswerFile],
    read: Callable[[str], Live | None],
) -> Row:
    live = _row_live(answer, item, assessment, read)
    return Row(item, answer, outcome(item, answer), live, files)


def framework_title(assessment: Assessment) -> str:
    return str(framework_of(assessment).title)


def item_row(assessment: Assessment, ref: str) -> Row:
    """One item with its answer, files and live figure (only that item's figure is read)."""
    item = framework_of(assessment).item(ref)
    if item is None:
        raise NotFound(_("This framework has no such item."))
    answer = (
        assessment.answers.filter(ref=ref)
        .select_related("answered_by")
        .order_by("-version")
        .first()
    )
    files = list(assessment.files.defer("data").filter(ref=ref).order_by("uploaded_at"))
    return _row(
        assessment, item, answer, files, lambda name: live_figure(name, assessment.organisation)
    )


def overview(assessment: Assessment) -> Overview:
    framework = framework_of(assessment)
    answers = current_answers(assessment)
    files: dict[str, list[AnswerFile]] = {}
    for attached in assessment.files.defer("data").order_by("uploaded_at"):
        files.setdefault(attached.ref, []).append(attached)
    areas: list[Area] = []
    totals: Counter[str] = Counter()
    every: list[Row] = []
    read = live_reader(assessment.organisation)
    for section in framework.sections:
        rows = [
            _row(assessment, item, answers.get(item.ref), files.get(item.ref, []), read)
            for item in section.items
        ]
        # Minimum expectations first (Appendix 2, note 2), then in checklist order.
        rows.sort(key=lambda r: not r.item.minimum)
        counts = Counter(r.outcome for r in rows)
        totals.update(counts)
        areas.append(Area(section.id, str(section.title), rows, {o: counts[o] for o in OUTCOMES}))
        every.extend(rows)
    minimum = [r for r in every if r.item.minimum]
    gaps = [r for r in every if r.outcome in ("partially", "no", "open")]
    gaps.sort(key=lambda r: (not r.item.minimum, OUTCOMES.index(r.outcome) * -1))
    actions = sorted(
        (r for r in every if r.answer and r.answer.action),
        key=lambda r: (r.answer.action_due or date.max) if r.answer else date.max,
    )
    return Overview(
        assessment=assessment,
        framework=framework,
        areas=areas,
        counts={o: totals[o] for o in OUTCOMES},
        minimum_total=len(minimum),
        minimum_met=sum(1 for r in minimum if r.outcome in ("yes", "na")),
        gaps=gaps,
        actions=actions,
        reassess_by=assessment.reassess_by,
    )
