"""`karpear platform configure|rotate-secret|deliver|status`: the link to the company's platform."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count

from karpear.audit.cli import cli_audited
from karpear.orgs.services import organisation_for_command
from karpear.platformlink.models import WebhookEvent
from karpear.platformlink.services import deliver_due, link_configure, link_rotate_secret


class Command(BaseCommand):
    help = "Configure and inspect the webhook link to the company's platform."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        configure = sub.add_parser("configure", help="Set the webhook URL; prints the secret.")
        configure.add_argument("--url", required=True)
        configure.add_argument(
            "--hosted", default="", help="comma-separated host names whose content is ours"
        )
        configure.add_argument("--org")
        rotate = sub.add_parser("rotate-secret", help="New secret; old one signs for 24 h too.")
        rotate.add_argument("--org")
        sub.add_parser("deliver", help="Deliver due webhooks once (the worker does this).")
        sub.add_parser("status", help="Count webhook events by status.")

    @cli_audited("configure", "rotate-secret")
    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "configure":
            _link, secret = link_configure(
                organisation=organisation_for_command(options["org"]),
                webhook_url=options["url"],
                hosted_domains=options["hosted"].split(","),
            )
            self.stdout.write(secret)
        elif action == "rotate-secret":
            self.stdout.write(
                link_rotate_secret(organisation=organisation_for_command(options["org"]))
            )
        elif action == "deliver":
            self.stdout.write(f"tried {deliver_due()} events")
        else:
            for row in WebhookEvent.objects.values("status").annotate(n=Count("id")):
                self.stdout.write(f"{row['status']}\t{row['n']}")
