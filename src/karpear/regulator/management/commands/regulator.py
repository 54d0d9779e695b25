"""`karpear regulator ...`: a company's link to its regulator on another deployment (issue #20).

karpear regulator connect --url URL --token-file F [--org SLUG]
                                  remember the regulator's URL and the key it issued (encrypted)
karpear regulator pull [--org SLUG]
                                  fetch the regulator's requests for information
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from karpear.audit.cli import cli_audited
from karpear.core.errors import ApplicationError
from karpear.orgs.services import organisation_for_command
from karpear.regulator.outbound import link_set, requests_pull


class Command(BaseCommand):
    help = "Connect this company's Karpear to its regulator and fetch the regulator's requests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="organisation slug (default: the default one)")
        sub = parser.add_subparsers(dest="action", required=True)
        connect = sub.add_parser("connect", help="remember the regulator's URL and key")
        connect.add_argument("--url", required=True)
        connect.add_argument("--token-file", required=True, help="file holding the issued key")
        sub.add_parser("pull", help="fetch the regulator's requests for information")

    @cli_audited("connect", "pull")
    def handle(self, *args: Any, **options: Any) -> None:
        org = organisation_for_command(options.get("org"))
        try:
            if options["action"] == "connect":
                token = Path(options["token_file"]).read_text(encoding="utf-8").strip()
                link = link_set(
                    organisation=org, url=options["url"], token=token, operator=getpass.getuser()
                )
                self.stdout.write(f"connected to {link.url}")
                return
            new = requests_pull(organisation=org)
            self.stdout.write(f"{new} new request(s)")
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
