"""`karpear staff add --organisation SLUG --username NAME --role ROLE`: add desk staff from the
command line, typically an organisation's first administrator, who then adds everyone else on
the desk (Staff page). Prints a first password once; the person enrols an authenticator at
their first sign-in.

`karpear staff import FILE [--org SLUG]`: import the company's whole staff directory from a CSV
(issue #21, item 1; safeguarding.directory): every line or none, errors by line number."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from karpear.audit.cli import cli_audited
from karpear.core.errors import ApplicationError
from karpear.orgs.services import organisation_for_command
from karpear.staff.administration import staff_add_from_command_line
from karpear.staff.models import Role


class Command(BaseCommand):
    help = "Add a desk staff member, or import the company's staff directory from a CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Add a staff member.")
        add.add_argument("--organisation", required=True, help="The organisation's slug.")
        add.add_argument("--username", required=True)
        add.add_argument("--role", required=True, choices=Role.values)
        imp = sub.add_parser("import", help="Import the staff directory from a CSV file.")
        imp.add_argument("file", help="CSV with " + ", ".join(_columns()))
        imp.add_argument("--org", default=None, help="The organisation's slug (default: default).")

    @cli_audited("import")
    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(options)
            return
        try:
            operator = getpass.getuser()
        except (KeyError, OSError):
            operator = "unknown"
        try:
            member, password = staff_add_from_command_line(
                organisation_slug=options["organisation"],
                username=options["username"],
                role=options["role"],
                operator=operator,
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"Added {member.user.get_username()} ({member.role}) to {member.organisation.slug}."
        )
        self.stdout.write(f"First password (shown once): {password}")

    def _import(self, options: dict[str, Any]) -> None:
        from karpear.safeguarding.directory import ImportRefused, directory_import
        from karpear.safeguarding.documents import invite_newcomers

        organisation = organisation_for_command(options["org"])
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}") from exc
        try:
            result = directory_import(organisation=organisation, data=data)
        except ImportRefused as exc:
            for line, message in exc.lines:
                self.stderr.write(f"line {line}: {message}" if line else message)
            raise CommandError(str(exc.message)) from exc
        links = invite_newcomers(organisation)
        self.stdout.write(
            f"Imported into {organisation.slug}: {result.created} added, {result.updated} "
            f"updated, {result.unchanged} unchanged; {links} acknowledgement links sent."
        )


def _columns() -> tuple[str, ...]:
    from karpear.safeguarding.directory import COLUMNS

    return COLUMNS
