"""Reminders: reassessments due within 30 days or late, never-done assessments, overdue actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.compliance.common import current_answers
from karpear.compliance.frameworks import Framework, frameworks
from karpear.compliance.models import Assessment, AssessmentStatus, Product
from karpear.orgs.models import Organisation

# --- reminders ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    kind: str  # reassess | never | action
    text: str
    due: date | None
    assessment_id: int | None = None


def reminders(organisation: Organisation, *, today: date | None = None) -> list[Reminder]:
    """Reassessments due within 30 days or late, never-done assessments, overdue actions."""
    today = today or timezone.localdate()
    found: list[Reminder] = []
    latest: dict[tuple[str, int | None], Assessment] = {}
    for assessment in Assessment.objects.filter(organisation=organisation).order_by(
        "created_at", "id"
    ):
        latest[(assessment.framework_id, assessment.product_id)] = assessment
    signed: dict[tuple[str, int | None], Assessment] = {}
    for assessment in Assessment.objects.filter(
        organisation=organisation, status=AssessmentStatus.SIGNED
    ).order_by("signed_at"):
        signed[(assessment.framework_id, assessment.product_id)] = assessment
    subjects: list[tuple[Framework, Product | None]] = []
    for framework in frameworks().values():
        if framework.per_product:
            subjects.extend(
                (framework, p) for p in Product.objects.filter(organisation=organisation)
            )
        else:
            subjects.append((framework, None))
    for framework, product in subjects:
        key = (framework.id, product.pk if product else None)
        label = f"{framework.title}" + (f": {product.name}" if product else "")
        last = signed.get(key)
        due = last.reassess_by if last else None
        if last is None or due is None:
            found.append(
                Reminder(
                    "never",
                    str(_("Never signed off: %(what)s") % {"what": label}),
                    None,
                    latest[key].pk if key in latest else None,
                )
            )
            continue
        if due <= today + timedelta(days=30):
            found.append(
                Reminder(
                    "reassess", str(_("Reassessment due: %(what)s") % {"what": label}), due, last.pk
                )
            )
    for assessment in latest.values():
        for answer in current_answers(assessment).values():
            if (
                answer.action
                and answer.action_due
                and answer.action_due < today
                and not answer.action_done_on
            ):
                found.append(
                    Reminder(
                        "action",
                        str(
                            _("Overdue action on %(ref)s: %(action)s")
                            % {"ref": answer.ref, "action": answer.action[:120]}
                        ),
                        answer.action_due,
                        assessment.pk,
                    )
                )
    found.sort(key=lambda r: r.due or date.min)
    return found
