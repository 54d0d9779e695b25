"""`karpear hashes ...`: banks and imports (issue #6, items 3 and 5).

karpear hashes bank add NAME --source iwf --agreement REF [--policy act|review|record]
karpear hashes bank list
karpear hashes import FILE --bank NAME     CSV/TSV (hash_type, hash, source_id, classification),
                                           HMA/ThreatExchange signal CSV (signal_type,
                                           signal_value, signal_id, tags) or `type hash` lines
karpear hashes fetch --bank NAME --exchange ncmec|stopncii|file|sample [--file F]
                                           import what an exchange holds (threatexchange clients)
karpear hashes index                       write the PDQ index snapshot now (imports do it too)
karpear hashes image FILE                  print an image's PDQ (with quality), MD5, SHA-256
karpear hashes export --bank NAME          enabled hashes as CSV (hashes and classification
                                           only, never content) for the hotline or the MPTC
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count

from karpear.audit.cli import cli_audited
from karpear.core.errors import ApplicationError
from karpear.hashes import services
from karpear.hashes.exchanges import EXCHANGES, fetch_lines
from karpear.hashes.hashing import image_hashes
from karpear.hashes.index import index_compact
from karpear.hashes.models import Bank, BankPolicy, BankSource
from karpear.orgs.services import organisation_for_command


class Command(BaseCommand):
    help = "Hash banks: create, list, import hashes, hash an image."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="organisation slug (default: the default one)")
        sub = parser.add_subparsers(dest="action", required=True)
        bank = sub.add_parser("bank")
        bank_sub = bank.add_subparsers(dest="bank_action", required=True)
        add = bank_sub.add_parser("add")
        add.add_argument("name")
        add.add_argument("--source", required=True, choices=BankSource.values)
        add.add_argument("--agreement", required=True)
        add.add_argument("--policy", default=BankPolicy.REVIEW, choices=BankPolicy.values)
        add.add_argument("--pdq-threshold", type=int, default=31)
        add.add_argument(
            "--preserve-uploads",
            action="store_true",
            help="keep matching uploads in the evidence vault (otherwise hashed and dropped)",
        )
        bank_sub.add_parser("list")
        imp = sub.add_parser("import")
        imp.add_argument("file")
        imp.add_argument("--bank", required=True)
        image = sub.add_parser("image")
        image.add_argument("file")
        export = sub.add_parser("export")
        export.add_argument("--bank", required=True)
        fetch = sub.add_parser("fetch")
        fetch.add_argument("--bank", required=True)
        fetch.add_argument("--exchange", required=True, choices=EXCHANGES)
        fetch.add_argument("--file", default="", help="for --exchange file")
        sub.add_parser("index")

    @cli_audited("bank add", "import", "fetch", "index")
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._handle(options)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc

    def _handle(self, options: dict[str, Any]) -> None:
        if options["action"] == "image":
            hashed = image_hashes(Path(options["file"]).read_bytes())
            low = "" if hashed.matchable else "  (quality below 50: not matched)"
            self.stdout.write(f"pdq {hashed.pdq} quality {hashed.quality}{low}")
            self.stdout.write(f"md5 {hashed.md5}\nsha256 {hashed.sha256}")
            return
        org = organisation_for_command(options.get("org"))
        if options["action"] == "index":
            built = index_compact(org.pk)
            self.stdout.write(
                f"index written: {int(built['hashes']):,} PDQ hashes in {built['seconds']:.1f} s"
            )
            return
        if options["action"] == "bank":
            if options["bank_action"] == "add":
                bank = services.bank_create(
                    organisation=org,
                    name=options["name"],
                    source=options["source"],
                    agreement=options["agreement"],
                    policy=options["policy"],
                    pdq_threshold=options["pdq_threshold"],
                    preserve_uploads=options["preserve_uploads"],
                )
                self.stdout.write(f"bank {bank.name} ({bank.get_policy_display()})")
            else:
                banks = Bank.objects.filter(organisation=org).annotate(n=Count("hashes"))
                for bank in banks.order_by("name"):
                    self.stdout.write(
                        f"{bank.name:<20} {bank.source:<9} {bank.policy:<7} "
                        f"t={bank.pdq_threshold} {bank.n:>9} hashes  {bank.agreement}"
                    )
            return
        bank = services.get_bank(org, options["bank"])
        if options["action"] == "export":
            self.stdout.write(services.bank_export(bank), ending="")
            return
        if options["action"] == "fetch":
            lines: Iterable[str] = fetch_lines(options["exchange"], options["file"])
            self._import(bank, lines, total=0)
            return
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with path.open(encoding="utf-8-sig", newline="") as counting:
            try:
                total = sum(1 for _ in counting)
            except UnicodeDecodeError as exc:
                raise CommandError("The file is not UTF-8 text; nothing was imported.") from exc
        with path.open(encoding="utf-8-sig", newline="") as stream:
            self._import(bank, stream, total=total)

    def _import(self, bank: Bank, lines: Iterable[str], *, total: int) -> None:
        bar = Progress(self.stderr, total)
        result = services.hashes_import(bank=bank, text=lines, progress=bar.update)
        bar.done()
        for number, problem in result.bad_lines[:50]:
            self.stderr.write(f"line {number}: {problem}")
        if len(result.bad_lines) > 50:
            self.stderr.write(f"... and {len(result.bad_lines) - 50} more bad lines")
        self.stdout.write(
            f"added {result.added}, already present {result.duplicates}, "
            f"bad lines {len(result.bad_lines)}"
        )


class Progress:
    """A progress bar on a terminal; a line per tenth otherwise (logs stay readable)."""

    def __init__(self, out: Any, total: int) -> None:
        self.out, self.total, self.shown = out, total, -1
        self.tty = bool(getattr(out, "isatty", lambda: False)())

    def update(self, done: int) -> None:
        if not self.total:
            self.out.write(f"{done:,} lines read")
            return
        share = min(done / self.total, 1.0)
        if self.tty:
            filled = int(share * 30)
            self.out.write(
                f"\r[{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} "
                f"{done:,}/{self.total:,} lines",
                ending="",
            )
            self.out.flush()
        elif int(share * 10) > self.shown:
            self.shown = int(share * 10)
            self.out.write(f"{share:4.0%} {done:,}/{self.total:,} lines")

    def done(self) -> None:
        if self.tty and self.total:
            self.out.write("")
