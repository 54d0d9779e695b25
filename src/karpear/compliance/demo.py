"""Products the demo's compliance officer can assess (`karpear demo`, core/demo.py)."""

from __future__ import annotations

from karpear.compliance.models import Product
from karpear.core.demo import DemoContext, register_demo


def demo_products(context: DemoContext) -> None:
    """Products the compliance officer can run a CRIA for (guidelines 2.1)."""
    if not context.create:
        return
    for name, description in (
        ("Demo chat app", "Messaging and group chat; users from 13 years"),
        ("Demo mobile internet", "Prepaid mobile data and SIM cards"),
    ):
        Product.objects.get_or_create(
            organisation=context.organisation, name=name, description=description
        )


register_demo(name="products", order=40, run=demo_products)
