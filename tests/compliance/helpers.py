"""Shared steps for the compliance tests: answer everything, the way an officer would."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from karpear.compliance.models import Assessment
from karpear.compliance.services import AnswerInput, answer_save, current_answers, overview
from karpear.staff.models import StaffMember

SOON = (timezone.localdate() + timedelta(days=60)).isoformat()


def answer_rest(member: StaffMember, assessment: Assessment, choice: str = "yes") -> None:
    """Answer every open item (and give actions where the records said partially or no)."""
    view = overview(assessment)
    for area in view.areas:
        for row in area.rows:
            item = row.item
            needs_action = row.outcome in ("partially", "no")
            if row.outcome != "open" and not needs_action:
                continue
            data = AnswerInput(choice=choice, value="An answer.")
            if item.answer == "risk":
                data.value = {b: {"likelihood": "1", "severity": "2"} for b in _bands()}
            elif item.answer == "date":
                data.value = SOON
            elif item.answer == "yesno":
                data.choice = "yes"
            if needs_action:
                old = current_answers(assessment)[item.ref]
                data.choice = str(old.value)
                data.action, data.owner, data.due = "Fix it.", "Chenda", SOON
            answer_save(member=member, assessment_id=assessment.pk, ref=item.ref, data=data)


def _bands() -> tuple[str, ...]:
    from karpear.compliance.frameworks import AGE_BANDS

    return AGE_BANDS
