"""`karpear backup DIR`: a consistent, signed backup of the database and the vault."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from karpear.audit.cli import cli_audited
from karpear.backups.services import BackupError, backup_create


class Command(BaseCommand):
    help = "Write a consistent backup (database, vault objects, signed manifest) into DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="A new or empty directory.")

    @cli_audited()
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_create(target=options["directory"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backup of {manifest['taken_at']} in {options['directory']}: {manifest['engine']} "
            f"database, {len(manifest['objects'])} vault objects, {len(manifest['files'])} files."
        )
