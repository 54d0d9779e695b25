"""Sample reports for the demo (`karpear demo`, registered in core/demo.py)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from karpear.core.demo import DemoContext, register_demo
from karpear.links.canonical import canonical_string
from karpear.reports.models import Category, Channel
from karpear.reports.rules import LinkData, ReportData
from karpear.reports.services import report_submit

SAMPLES = [
    ("https://social.example/p/1001", Category.SEXUAL_IMAGE, Channel.WEB),
    ("https://SOCIAL.example/p/1001#comments", Category.SEXUAL_IMAGE, Channel.IN_APP),
    ("https://video.example/live/42", Category.LIVE_STREAM, Channel.WEB),
    ("https://chat.example/g/secret-group", Category.GROOMING, Channel.IN_APP),
    ("https://social.example/u/threats", Category.SEXTORTION, Channel.WEB),
]


def demo_reports(context: DemoContext) -> None:
    if not context.create:
        return
    now = timezone.now()
    for i, (url, category, channel) in enumerate(SAMPLES):
        report_submit(
            organisation=context.organisation,
            channel=channel,
            data=ReportData(
                items=[LinkData(url=url, normalised_url=canonical_string(url))],
                category=category,
                seen_on=(now - timedelta(days=i)).date(),
                seen_at_time=None,
                seen_approximate=True,
                description="",
                reporter_is_child=None,
                contact=None,
            ),
            submission_token=f"demo-{i}",
            received_at=now - timedelta(hours=5 - i),
        )


register_demo(name="reports", order=10, run=demo_reports)
