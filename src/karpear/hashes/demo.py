"""The demo hash bank (`karpear demo`, core/demo.py)."""

from __future__ import annotations

from pathlib import Path

from karpear.core.demo import DemoContext, register_demo
from karpear.hashes.models import Bank
from karpear.hashes.services import bank_create, hashes_import

CSV = Path(__file__).resolve().parents[3] / "examples" / "hashes" / "demo-bank.csv"


def demo_hash_bank(context: DemoContext) -> None:
    """A bank holding the hashes of Meta's benign PDQ reference images, so an upload of a
    blurred or resized copy of one matches and is isolated (issue #6). Once only: a demo
    seeded before the bank existed gets it on its next start."""
    org = context.organisation
    if Bank.objects.filter(organisation=org, name="demo-hotline").exists():
        return
    bank = bank_create(
        organisation=org,
        name="demo-hotline",
        source="hotline",
        agreement="Demo only: benign reference image from Meta's PDQ test data",
        policy="act",
    )
    if CSV.exists():
        hashes_import(bank=bank, text=CSV.read_text(encoding="utf-8"))


register_demo(name="hash_bank", order=50, run=demo_hash_bank)
