"""`karpear compliance ...`: check frameworks, list assessments, export for the MPTC (issue #8).

karpear compliance frameworks            check every framework file and list them
karpear compliance list [--org SLUG]     assessments of an organisation
karpear compliance package ID [--org]    the signed JSON package of a signed-off assessment
karpear compliance pdf ID OUT [--lang]   the report as PDF
karpear compliance public-key [--org]    the organisation's package-signing public key
karpear compliance submit [ID] [--to URL] [--token-file F] [--period YEAR]
                                         send the signed package and the latest published
                                         transparency report to the regulator (issue #20)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from karpear.audit.cli import cli_audited
from karpear.compliance import reports, services
from karpear.compliance.frameworks import FrameworkError, frameworks
from karpear.core import signing
from karpear.core.errors import ApplicationError
from karpear.orgs.services import organisation_for_command


class Command(BaseCommand):
    help = "Compliance frameworks and assessments: check, list, export the MPTC package or PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="organisation slug (default: the default one)")
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("frameworks", help="check the framework files and list them")
        sub.add_parser("list", help="list assessments")
        package = sub.add_parser("package", help="print the signed package of an assessment")
        package.add_argument("assessment", type=int)
        pdf = sub.add_parser("pdf", help="write the report as PDF")
        pdf.add_argument("assessment", type=int)
        pdf.add_argument("out")
        pdf.add_argument("--lang", default="km", choices=["km", "en"])
        sub.add_parser("public-key", help="print the organisation's package-signing key")
        submit = sub.add_parser("submit", help="send a signed package to the regulator")
        submit.add_argument("assessment", type=int, nargs="?", help="default: newest signed")
        submit.add_argument("--to", help="the regulator's base URL (default: the connected one)")
        submit.add_argument(
            "--token-file", help="file holding the key the regulator issued (else the link's)"
        )
        submit.add_argument("--period", help="the year reported on (default: the newest report's)")

    @cli_audited("submit")
    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "frameworks":
            try:
                loaded = frameworks()
            except FrameworkError as exc:
                raise CommandError("\n".join(exc.problems)) from exc
            for framework in loaded.values():
                minimum = sum(1 for i in framework.items.values() if i.minimum)
                self.stdout.write(
                    f"{framework.id:<14} v{framework.version:<8} {len(framework.items):>3} items "
                    f"({minimum} minimum)  {framework.title.en}"
                )
            return
        org = organisation_for_command(options.get("org"))
        if action == "public-key":
            key = signing.public_key_b64(services.signing_context(org))
            self.stdout.write(f"{key}  (key id {signing.key_id(key)})")
            return
        if action == "submit":
            self._submit(org, options)
            return
        if action == "list":
            for a in services.assessment_list(org):
                signed = f"signed {a.signed_at:%Y-%m-%d} by {a.signed_name}" if a.signed_at else ""
                product = f" [{a.product.name}]" if a.product else ""
                self.stdout.write(f"{a.pk:>5} {a.framework_id}{product} {a.status} {signed}")
            return
        try:
            assessment = services.get_assessment(
                organisation=org, assessment_id=options["assessment"]
            )
            if action == "package":
                envelope = services.package_signed(assessment)
                self.stdout.write(json.dumps(envelope, ensure_ascii=False, indent=2))
                return
            with translation.override(options["lang"]):
                Path(options["out"]).write_bytes(reports.report_pdf(assessment))
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc

    def _submit(self, org: Any, options: dict[str, Any]) -> None:
        from karpear.regulator.outbound import submit

        assessment_id = options.get("assessment") or next(
            (a.pk for a in services.assessment_list(org) if a.signed_at is not None), None
        )
        if assessment_id is None:
            raise CommandError("No signed-off assessment to send.")
        token = None
        if options.get("token_file"):
            token = Path(options["token_file"]).read_text(encoding="utf-8").strip()
        try:
            sent = submit(
                organisation=org,
                assessment_id=assessment_id,
                period=options.get("period"),
                url=options.get("to"),
                token=token,
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        if not sent.accepted:
            raise CommandError(f"refused: {sent.code}: {sent.message}")
        self.stdout.write(f"{sent.code}: assessment {assessment_id}")
