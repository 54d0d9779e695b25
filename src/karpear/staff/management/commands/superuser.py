"""`karpear superuser grant|revoke USERNAME`: deployment-wide Django-admin rights.

The only way to make a superuser (issue #15): from the command line, by whoever runs the
deployment, audited. The person must already be desk staff, because the admin signs in
through the desk (password and one-time code). The admin itself is served only when
KARPEAR_DJANGO_ADMIN=1 (or DEBUG).
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from karpear.core.errors import ApplicationError
from karpear.staff.administration import superuser_set


class Command(BaseCommand):
    help = "Grant or revoke Django-admin (superuser) rights to a desk staff member."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["grant", "revoke"])
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            operator = getpass.getuser()
        except (KeyError, OSError):
            operator = "unknown"
        try:
            member = superuser_set(
                username=options["username"], on=options["action"] == "grant", operator=operator
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        state = "is now" if options["action"] == "grant" else "is no longer"
        self.stdout.write(f"{member.user.get_username()} {state} a superuser (audited).")
