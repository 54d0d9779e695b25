"""Four eyes on live streams in the demo (`karpear demo`, core/demo.py)."""

from __future__ import annotations

from karpear.cases.services import four_eyes_set
from karpear.core.demo import DemoContext, register_demo
from karpear.reports.models import Category
from karpear.staff.models import StaffMember


def demo_four_eyes(context: DemoContext) -> None:
    """Four eyes on for live streams (issue #16, item 14): a removal or ban there waits for a
    second analyst, through the same service the lead's SLA page calls."""
    if not context.create:
        return
    lead = StaffMember.objects.get(user__username="lead", organisation=context.organisation)
    four_eyes_set(member=lead, categories={Category.LIVE_STREAM})


register_demo(name="four_eyes", order=70, run=demo_four_eyes)
