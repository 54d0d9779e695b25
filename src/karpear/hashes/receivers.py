"""Content confirmed illegal in this company's cases feeds its own bank (issue #6, item 6).

When the desk removes content under the law (a `content_remove` decision on the ground of law),
the MD5, SHA-256 and (for images) PDQ of the case's preserved evidence go into the organisation's
"own" bank, so a re-upload of the same file, or of an edited copy, is caught. Only hashes and the
case reference are stored.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from karpear.cases.models import Decision
from karpear.evidence.services import evidence_fingerprints
from karpear.hashes.models import Bank, BankHash, BankPolicy, BankSource, HashType

OWN_BANK = "own-confirmed"


@receiver(post_save, sender=Decision)
def _confirmed_into_own_bank(
    sender: type[Decision], instance: Decision, created: bool, **kwargs: Any
) -> None:
    if not created or instance.kind != "content_remove" or instance.ground != "law":
        return

    def add() -> None:
        prints = evidence_fingerprints(instance.case_id)
        if not prints:
            return
        bank, _ = Bank.objects.get_or_create(
            organisation_id=instance.organisation_id,
            name=OWN_BANK,
            defaults={
                "source": BankSource.OWN,
                "agreement": "Content confirmed illegal in this company's own cases",
                "policy": BankPolicy.REVIEW,
            },
        )
        now = timezone.now()
        rows = [
            BankHash(
                bank=bank,
                kind=kind,
                value=value,
                source_id=f"case-{instance.case_id}",
                added_at=now,
            )
            for md5, sha256, pdq in prints
            for kind, value in ((HashType.MD5, md5), (HashType.SHA256, sha256), (HashType.PDQ, pdq))
            if value
        ]
        BankHash.objects.bulk_create(rows, ignore_conflicts=True)

    transaction.on_commit(add)
