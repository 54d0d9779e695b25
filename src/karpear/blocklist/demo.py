"""A demo list source and its made-up addresses (`karpear demo`, core/demo.py)."""

from __future__ import annotations

from django.utils import timezone

from karpear.blocklist.lists import parse_list
from karpear.blocklist.models import SourceKind
from karpear.blocklist.services import blocklist_import, source_register
from karpear.core.demo import DemoContext, register_demo


def demo_blocklist(context: DemoContext) -> None:
    """A demo source and list of made-up addresses (.invalid never resolves)."""
    if not context.create:
        return
    org = context.organisation
    source = source_register(
        organisation=org,
        code="HOTLINE-DEMO",
        name="Internet Hotline Cambodia (demo)",
        kind=SourceKind.HOTLINE,
        agreement="Demo data: no agreement",
        appeals_email="appeals@hotline.invalid",
        actor_label="demo",
    )
    text = (
        "url,reference,type\n"
        "http://blocked.example.invalid/demo/1.html,DEMO-0001,url\n"
        "http://blocked.example.invalid/demo/2.html,DEMO-0002,url\n"
        "whole-site.example.invalid,DEMO-0003,domain\n"
    )
    blocklist_import(
        organisation=org,
        source=source,
        parsed=parse_list(text.encode(), confirmed_on=timezone.localdate()),
        actor_label="demo",
    )
    context.write(
        f"Blocklist splash page: {context.url}/blocked/"
        "?url=http://blocked.example.invalid/demo/1.html"
    )


register_demo(name="blocklist", order=30, run=demo_blocklist)
