"""`karpear evidence purge-expired|rotate-key|integrity-check|certificates|verify-package`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from karpear.audit.cli import cli_audited
from karpear.evidence.disclosure import package_verify
from karpear.evidence.services import (
    certificates_csv,
    integrity_check,
    purge_expired,
    purge_resume,
    rotate_kek,
)


class Command(BaseCommand):
    help = "Evidence vault operations (destructive ones are dry runs unless told otherwise)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser("purge-expired", help="Destroy items past their retention.")
        purge.add_argument("--dry-run", action="store_true", help="Only list what would go.")
        sub.add_parser("rotate-key", help="Re-wrap data keys under the newest KEK.")
        sub.add_parser("integrity-check", help="Re-hash every stored item.")
        sub.add_parser("certificates", help="Destruction certificates as CSV.")
        verify = sub.add_parser("verify-package", help="Open a disclosure package and check it.")
        verify.add_argument("file")
        verify.add_argument("--key", required=True)

    @cli_audited("purge-expired", "rotate-key")
    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "purge-expired":
            if not options["dry_run"]:
                resumed = purge_resume()
                if resumed:
                    self.stdout.write(f"finished {resumed} interrupted destructions")
            result = purge_expired(dry_run=options["dry_run"])
            verb = "would destroy" if options["dry_run"] else "destroyed"
            self.stdout.write(f"{verb} {len(result.destroyed)} items: {result.destroyed}")
        elif action == "rotate-key":
            self.stdout.write(f"re-wrapped {rotate_kek()} data keys")
        elif action == "integrity-check":
            problems = integrity_check()
            for item_id, problem in problems:
                self.stderr.write(f"item {item_id}: {problem}")
            if problems:
                raise CommandError(f"{len(problems)} items failed the integrity check")
            self.stdout.write("every stored item matches its hashes")
        elif action == "certificates":
            certificates_csv(self.stdout)
        else:
            try:
                manifest = package_verify(Path(options["file"]), options["key"])
            except (ValueError, OSError) as exc:
                raise CommandError(f"package does not verify: {exc}") from exc
            self.stdout.write(
                f"package verified: {len(manifest['files'])} files match the manifest"
            )
