"""`karpear totp-code SECRET`: the current six-digit code for a base-32 secret.

For the demo and for operators testing an enrolment; real staff use an
authenticator app on their phone.
"""

from __future__ import annotations

import base64
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp


class Command(BaseCommand):
    help = "Print the current one-time code for a TOTP secret (demo use)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("secret")

    def handle(self, *args: Any, **options: Any) -> None:
        secret = options["secret"].strip().upper()
        try:
            key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        except ValueError as exc:
            raise CommandError("That is not a base-32 secret.") from exc
        self.stdout.write(f"{totp(key):06d}")
