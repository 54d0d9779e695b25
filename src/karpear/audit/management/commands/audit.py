"""`karpear audit verify`: check the whole audit chain; non-zero exit on tampering."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from karpear.audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify the tamper-evident audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if not result.ok:
            where = f"entry {result.first_bad_id}" if result.first_bad_id else "the chain"
            raise CommandError(
                f"Audit log FAILED verification at {where}: {result.problem} "
                f"({result.checked} entries verified before it)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {result.checked} entries."))
