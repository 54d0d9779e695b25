"""`karpear blocklist ...`: sources, imports, subscriptions and exports (issue #7).

List holder:  source add, import FILE --source CODE, add, remove, status, public-key
ISP:          subscribe NAME, pull [NAME] [--reload-command CMD], export --format rpz|squid-page
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.loader import render_to_string
from django.utils import timezone, translation

from karpear.audit.cli import cli_audited
from karpear.blocklist import services
from karpear.blocklist.lists import parse_list
from karpear.blocklist.models import SourceKind, Subscription
from karpear.core import signing
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.orgs.services import help_contacts, organisation_for_command

ACTOR = "command line"


class Command(BaseCommand):
    help = "Manage the URL blocklist: sources, imports, subscriptions, exports."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="organisation slug (default: the default one)")
        sub = parser.add_subparsers(dest="action", required=True)
        source = sub.add_parser("source", help="register or list sources")
        source_sub = source.add_subparsers(dest="source_action", required=True)
        add = source_sub.add_parser("add")
        add.add_argument("--code", required=True)
        add.add_argument("--name", required=True)
        add.add_argument("--kind", required=True, choices=SourceKind.values)
        add.add_argument("--agreement", required=True, help="licence or agreement reference")
        add.add_argument("--appeals-email", default="")
        source_sub.add_parser("list")

        imp = sub.add_parser("import", help="apply a source's file (a diff: removals too)")
        imp.add_argument("file")
        imp.add_argument("--source", required=True, help="registered source code")
        imp.add_argument("--reference", default="", help="reference for lines that have none")
        imp.add_argument("--confirmed", type=date.fromisoformat, help="YYYY-MM-DD, default today")
        imp.add_argument("--type", default="url", choices=["url", "page", "domain"])
        imp.add_argument("--append", action="store_true", help="add only, never remove")
        imp.add_argument("--note", default="")

        one = sub.add_parser("add", help="add one confirmed entry")
        one.add_argument("--source", required=True)
        target = one.add_mutually_exclusive_group(required=True)
        target.add_argument("--url")
        target.add_argument("--domain")
        one.add_argument("--reference", required=True)
        one.add_argument("--confirmed", type=date.fromisoformat)

        rm = sub.add_parser("remove", help="remove an entry its source withdrew")
        rm.add_argument("entry_id", type=int)
        rm.add_argument("--reason", required=True)

        sub.add_parser("status")
        sub.add_parser("public-key")
        sub.add_parser("compile", help="rebuild the compiled list the helper reads")

        subscribe = sub.add_parser("subscribe", help="enforce another Karpear's published list")
        subscribe.add_argument("name")
        subscribe.add_argument("--url", required=True)
        subscribe.add_argument("--token-file", required=True, help="file holding the isp key")
        subscribe.add_argument("--public-key", required=True)

        pull = sub.add_parser("pull", help="fetch, verify and apply subscribed lists")
        pull.add_argument("name", nargs="?")
        pull.add_argument("--full", action="store_true")
        pull.add_argument("--reload-command", default="")
        pull.add_argument("--rpz", help="also write the RPZ zone to this file")
        pull.add_argument("--splash-a", default="")
        pull.add_argument("--splash-aaaa", default="")

        export = sub.add_parser("export")
        export.add_argument("--format", required=True, choices=["rpz", "squid-page", "compiled"])
        export.add_argument("--output", help="file (default: standard output)")
        export.add_argument("--splash-a", default="")
        export.add_argument("--splash-aaaa", default="")
        export.add_argument("--appeal-url", default="", help="public address of /blocked/")

    @cli_audited("source add", "import", "add", "remove", "compile", "subscribe", "pull")
    def handle(self, *args: Any, **options: Any) -> None:
        org = organisation_for_command(options["org"])
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"do_{action}")(org, options)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc

    def do_source(self, org: Organisation, options: dict[str, Any]) -> None:
        if options["source_action"] == "add":
            source = services.source_register(
                organisation=org,
                code=options["code"],
                name=options["name"],
                kind=SourceKind(options["kind"]),
                agreement=options["agreement"],
                appeals_email=options["appeals_email"],
                actor_label=ACTOR,
            )
            self.stdout.write(f"Registered source {source.code} ({source.get_kind_display()}).")
            return
        for s in services.list_summary(org)["sources"]:
            origin = f"via {s.subscription.name}" if s.subscription else "local"
            self.stdout.write(f"{s.code}\t{s.kind}\t{origin}\t{s.name}\t{s.agreement}")

    def do_import(self, org: Organisation, options: dict[str, Any]) -> None:
        source = services.local_source(org, options["source"])
        data = Path(options["file"]).read_bytes()
        parsed = parse_list(
            data,
            reference=options["reference"],
            confirmed_on=options["confirmed"] or timezone.localdate(),
            kind=options["type"],
        )
        result = services.blocklist_import(
            organisation=org,
            source=source,
            parsed=parsed,
            actor_label=ACTOR,
            note=options["note"],
            full=not options["append"],
        )
        for number, reason in result.errors:
            self.stderr.write(f"line {number}: {reason}")
        self.stdout.write(
            f"{source.code}: {result.added} added, {result.removed} removed, "
            f"{result.unchanged} unchanged, {len(result.errors)} bad lines, "
            f"{result.duplicates} duplicate lines."
        )
        if result.removals_held:
            self.stdout.write("Nothing was removed because some lines could not be read.")
        self.stdout.write(
            f"Published version {result.version}." if result.version else "No change."
        )
        if result.errors:
            sys.exit(1)

    def do_add(self, org: Organisation, options: dict[str, Any]) -> None:
        entry = services.entry_add(
            organisation=org,
            source=services.local_source(org, options["source"]),
            kind="domain" if options["domain"] else "url",
            target=options["domain"] or options["url"],
            reference=options["reference"],
            confirmed_on=options["confirmed"] or timezone.localdate(),
            actor_label=ACTOR,
        )
        self.stdout.write(f"Added entry {entry.pk} in version {entry.added_in}.")

    def do_remove(self, org: Organisation, options: dict[str, Any]) -> None:
        number = services.entry_remove(
            organisation=org,
            entry_id=options["entry_id"],
            reason=options["reason"],
            actor_label=ACTOR,
        )
        self.stdout.write(f"Removed; published version {number}.")

    def do_status(self, org: Organisation, options: dict[str, Any]) -> None:
        summary = services.list_summary(org)
        version = summary["version"]
        self.stdout.write(
            f"Own list: version {version.number if version else 0}, "
            f"{summary['own_entries']} entries ({summary['domains']} whole domains overall)."
        )
        for sub in summary["subscriptions"]:
            state = f"error: {sub.last_error}" if sub.last_error else "ok"
            self.stdout.write(f"Subscription {sub.name}: version {sub.version}, {state}")
        self.stdout.write(f"Subscribed entries: {summary['subscribed_entries']}")

    def do_public_key(self, org: Organisation, options: dict[str, Any]) -> None:
        self.stdout.write(signing.public_key_b64())

    def do_compile(self, org: Organisation, options: dict[str, Any]) -> None:
        self.stdout.write(str(services.compile_enforcement(org)))

    def do_subscribe(self, org: Organisation, options: dict[str, Any]) -> None:
        token = Path(options["token_file"]).read_text(encoding="utf-8").strip()
        sub = services.subscription_add(
            organisation=org,
            name=options["name"],
            url=options["url"],
            token=token,
            public_key=options["public_key"],
            actor_label=ACTOR,
        )
        self.stdout.write(f"Subscribed to {sub.url} as {sub.name}.")

    def do_pull(self, org: Organisation, options: dict[str, Any]) -> None:
        subs = Subscription.objects.filter(organisation=org)
        if options["name"]:
            subs = subs.filter(name=options["name"])
        if not subs:
            raise CommandError("No such subscription (karpear blocklist subscribe NAME ...).")
        failed = False
        for sub in subs:
            try:
                result = services.subscription_pull(sub, force_full=options["full"])
            except services.PullError as exc:
                failed = True
                self.stderr.write(f"{sub.name}: kept version {sub.version}: {exc}")
                continue
            kind = "full list" if result.full else "changes"
            self.stdout.write(
                f"{sub.name}: version {result.version} ({kind}: +{result.added} -{result.removed})"
            )
        if options["rpz"]:
            self._rpz(org, options, Path(options["rpz"]))
        if options["reload_command"]:
            try:
                services.run_reload_command(options["reload_command"])
            except services.PullError as exc:
                raise CommandError(str(exc)) from exc
        if failed:
            sys.exit(1)

    def _rpz(self, org: Organisation, options: dict[str, Any], path: Path | None) -> None:
        zone = services.rpz_zone(
            org,
            splash_a=options["splash_a"],
            splash_aaaa=options["splash_aaaa"],
        )
        if path is None:
            self.stdout.write(zone, ending="")
        else:
            services.write_atomically(path, zone)

    def do_export(self, org: Organisation, options: dict[str, Any]) -> None:
        output = Path(options["output"]) if options["output"] else None
        if options["format"] == "rpz":
            self._rpz(org, options, output)
        elif options["format"] == "compiled":
            self.stdout.write(str(services.compile_enforcement(org)))
        else:
            with translation.override("km"):
                page = render_to_string(
                    "blocklist/squid_page.html",
                    {
                        "organisation": org,
                        "contacts": help_contacts(org),
                        "languages": ["km", "en"],
                        "appeal_url": options["appeal_url"],
                    },
                )
            if output is None:
                self.stdout.write(page, ending="")
            else:
                services.write_atomically(output, page)
