"""`karpear apikey create|list|revoke`: manage API keys; the token is printed once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import apikey_create, apikey_revoke
from karpear.audit.cli import cli_audited
from karpear.orgs.services import organisation_for_command


class Command(BaseCommand):
    help = "Create, list or revoke API keys."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--scope", required=True, choices=Scope.values)
        create.add_argument("--name", required=True)
        create.add_argument("--org", help="organisation slug (default: the default one)")
        create.add_argument("--expires-in-days", type=int)
        listing = sub.add_parser("list")
        listing.add_argument("--org")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("prefix")

    @cli_audited("create", "revoke")
    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            key, token = apikey_create(
                organisation=organisation_for_command(options["org"]),
                scope=Scope(options["scope"]),
                name=options["name"],
                expires_in_days=options["expires_in_days"],
            )
            self.stderr.write(
                f"Created key {key.prefix} ({key.scope}) for "
                f"{key.organisation.slug}. The token is shown only now:"
            )
            self.stdout.write(token)
        elif options["action"] == "list":
            for key in ApiKey.objects.filter(organisation=organisation_for_command(options["org"])):
                state = "revoked" if key.revoked_at else "active"
                self.stdout.write(f"{key.prefix}\t{key.scope}\t{state}\t{key.name}")
        else:
            found = ApiKey.objects.filter(prefix=options["prefix"]).first()
            if found is None:
                raise CommandError("No key with this prefix.")
            apikey_revoke(key=found)
            self.stdout.write(f"Revoked {found.prefix}.")
