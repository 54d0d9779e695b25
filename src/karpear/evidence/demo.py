"""The demo's personnel register (`karpear demo`, core/demo.py)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from karpear.core.demo import DemoContext, register_demo
from karpear.evidence.models import PersonnelRecord, Screening
from karpear.staff.models import StaffMember

# Screened on the personnel register (2.6 b); "analyst2" is not, to show the difference.
DEMO_SCREENED = {"analyst", "lead"}


def demo_screening(context: DemoContext) -> None:
    if not context.create:
        return
    today = timezone.localdate()
    for member in StaffMember.objects.filter(
        organisation=context.organisation, user__username__in=DEMO_SCREENED
    ):
        PersonnelRecord.objects.get_or_create(
            staff=member,
            defaults={
                "screened_on": today - timedelta(days=30),
                "screening_result": Screening.CLEAR,
                "screening_expires_on": today + timedelta(days=335),
                "verified_by": "demo",
                "trained_on": today - timedelta(days=20),
                "wellness_support_offered_on": today - timedelta(days=10),
            },
        )


register_demo(name="screening", order=61, run=demo_screening)
