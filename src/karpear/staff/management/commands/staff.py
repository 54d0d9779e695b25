"""`karpear staff add --organisation SLUG --username NAME --role ROLE`: add desk staff from the
command line, typically an organisation's first administrator, who then adds everyone else on
the desk (Staff page). Prints a first password once; the person enrols an authenticator at
their first sign-in."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from karpear.core.errors import ApplicationError
from karpear.staff.administration import staff_add_from_command_line
from karpear.staff.models import Role


class Command(BaseCommand):
    help = "Add a desk staff member to an organisation and print their first password."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Add a staff member.")
        add.add_argument("--organisation", required=True, help="The organisation's slug.")
        add.add_argument("--username", required=True)
        add.add_argument("--role", required=True, choices=Role.values)

    def handle(self, *args: Any, **options: Any) -> None:
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
