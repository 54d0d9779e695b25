"""`karpear org create|list`: manage the organisations a deployment serves."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from karpear.audit.cli import cli_audited
from karpear.orgs.models import Organisation
from karpear.orgs.services import organisation_create


class Command(BaseCommand):
    help = "Create or list organisations."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create an organisation with default help contacts.")
        create.add_argument("--name", required=True)
        create.add_argument("--name-km", default="")
        create.add_argument("--slug", required=True)
        create.add_argument("--domain", default=None, help="Host name its portal is served at.")
        create.add_argument(
            "--default",
            action="store_true",
            help="Serve hosts that match no organisation (single-company install).",
        )
        create.add_argument("--response-hours", type=int, default=24)
        create.add_argument(
            "--kind",
            default=Organisation.Kind.COMPANY,
            choices=Organisation.Kind.values,
            help="A company, or a regulator receiving companies' packages (issue #20).",
        )
        sub.add_parser("list", help="List organisations.")

    @cli_audited("create")
    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for org in Organisation.objects.order_by("slug"):
                flag = " (default)" if org.is_default else ""
                kind = " (regulator)" if org.is_regulator else ""
                self.stdout.write(f"{org.slug}\t{org.domain or '-'}\t{org.name}{flag}{kind}")
            return
        try:
            org = organisation_create(
                name=options["name"],
                name_km=options["name_km"],
                slug=options["slug"],
                domain=options["domain"],
                is_default=options["default"],
                response_hours=options["response_hours"],
                kind=options["kind"],
            )
        except IntegrityError as exc:
            raise CommandError(
                "An organisation with this slug or domain exists, or another is already "
                "the default."
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"Created organisation {org.slug}"))
