"""`karpear restore DIR`: restore a backup into an empty database and data directory.

Then, at once, destroy what was destroyed or erased after the backup and whatever retention
ended since, and check integrity and the audit chain (backups/services.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from karpear.backups.services import BackupError, backup_check, backup_restore


class Command(BaseCommand):
    help = "Restore a backup into an empty database and data directory (--check: only verify)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--check", action="store_true", help="Only check the manifest and every file's hash."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["check"]:
                manifest = backup_check(source=options["directory"])
                self.stdout.write(f"Backup of {manifest['taken_at']} is complete and intact.")
                return
            result = backup_restore(source=options["directory"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored the backup of {result.taken_at.isoformat()}: {result.objects} vault "
            f"objects. Destroyed again: {len(result.destroyed_again)} item(s) destroyed after "
            f"the backup; contacts erased again for {len(result.erased_again)} case(s)."
        )
        erased = ", ".join(f"{name} {n}" for name, n in result.retention_erased.items() if n)
        self.stdout.write(f"Erased at once, past retention since the backup: {erased or 'none'}.")
        for line in result.refused_journal_lines:
            self.stderr.write(f"Erasure journal line {line} is not signed by this deployment.")
        if result.integrity_problems:
            raise CommandError(f"Integrity check failed: {result.integrity_problems}")
        if not result.audit_ok:
            raise CommandError(f"Audit verify failed: {result.audit_problem}")
        self.stdout.write("Integrity check and audit verify pass.")
