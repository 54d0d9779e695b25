"""The demo company (`karpear demo`, registered in core/demo.py): the first step."""

from __future__ import annotations

from karpear.core.demo import DemoContext, register_demo
from karpear.orgs.models import Organisation
from karpear.orgs.services import organisation_create


def demo_organisation(context: DemoContext) -> None:
    """Create the demo company; with --if-empty on a database that already has data, only
    a demo company is refreshed (never create demo users with a known password in a real
    install)."""
    demo = Organisation.objects.filter(slug="demo").first()
    if context.if_empty and Organisation.objects.exists():
        if demo is None:
            context.write("Data already present; no demo data added.")
            context.stop = True
            return
        context.create = False
    context.organisation = demo or organisation_create(
        name="Demo Telecom",
        name_km="ក្រុមហ៊ុនទូរគមនាគមន៍សាកល្បង",
        slug="demo",
        is_default=not Organisation.objects.filter(is_default=True).exists(),
    )


register_demo(name="organisation", order=0, run=demo_organisation)
