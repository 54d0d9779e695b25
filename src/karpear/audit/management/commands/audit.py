"""`karpear audit verify|checkpoint|public-key`: the tamper-evident audit log (issue #15, item 9).

verify [--checkpoints DIR] [--public-key KEY]... [--no-checkpoints]
    recompute the keyed chain and hold it against the signed checkpoints; non-zero exit naming
    the first bad entry on any edit, deletion, re-chaining or truncation
checkpoint [--dir DIR] [--force]
    sign the chain's head now and append it to the checkpoint files (the worker does this hourly)
public-key
    the key checkpoints are signed with, to keep beside the copies
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from karpear.audit.checkpoints import checkpoint_dir, checkpoint_write
from karpear.audit.services import audit_verify
from karpear.core import signing


class Command(BaseCommand):
    help = "Verify the tamper-evident audit log, or export a signed checkpoint of it."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute the chain, check the checkpoints")
        verify.add_argument("--checkpoints", type=Path, help="a copy of the checkpoint files")
        verify.add_argument(
            "--public-key",
            action="append",
            default=[],
            help="also accept checkpoints signed by this key (base64; e.g. before a rotation)",
        )
        verify.add_argument("--no-checkpoints", action="store_true")
        point = sub.add_parser("checkpoint", help="export a signed checkpoint now")
        point.add_argument("--dir", type=Path, help="default: KARPEAR_AUDIT_CHECKPOINT_DIR")
        point.add_argument("--force", action="store_true", help="even if nothing changed")
        sub.add_parser("public-key", help="print the key checkpoints are signed with")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkpoint":
            self.checkpoint(options)
        elif options["action"] == "public-key":
            self.stdout.write(signing.public_key_b64())
        else:
            self.verify(options)

    def checkpoint(self, options: dict[str, Any]) -> None:
        written = checkpoint_write(directory=options["dir"], force=options["force"])
        where = options["dir"] or checkpoint_dir()
        if written is None:
            self.stdout.write(f"Nothing new to checkpoint in {where}.")
        else:
            self.stdout.write(
                f"Checkpoint written to {where}/{written.source}: entry {written.entry_id}, "
                f"{written.count} entries."
            )

    def verify(self, options: dict[str, Any]) -> None:
        if options["checkpoints"] and not options["checkpoints"].is_dir():
            raise CommandError(f"No such checkpoint directory: {options['checkpoints']}")
        result = audit_verify(
            checkpoint_dir=options["checkpoints"],
            use_checkpoints=not options["no_checkpoints"],
            public_keys=options["public_key"],
        )
        if not result.ok:
            where = f"entry {result.first_bad_id}" if result.first_bad_id else "the chain"
            raise CommandError(
                f"Audit log FAILED verification at {where}: {result.problem} "
                f"({result.checked} entries verified before it)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {result.checked} entries."))
        if result.legacy:
            anchor = (
                f"sealed by the MAC of entry {result.first_keyed_id}"
                if result.first_keyed_id
                else "not yet sealed by any keyed entry"
            )
            self.stdout.write(
                f"The first {result.legacy} entries carry plain SHA-256 hashes from before the "
                f"keyed chain; they are {anchor}."
            )
        if result.torn_checkpoint_lines:
            self.stdout.write(
                self.style.WARNING(
                    "Skipped checkpoint lines that are not JSON (a write torn by a crash?): "
                    + ", ".join(result.torn_checkpoint_lines)
                )
            )
        if result.checkpoints:
            self.stdout.write(
                f"{result.checkpoints} signed checkpoints match; the newest names entry "
                f"{result.last_checkpoint_id}. Entries after it are protected by their MACs only."
            )
        elif result.checked and not options["no_checkpoints"]:
            self.stdout.write(
                self.style.WARNING(
                    f"No signed checkpoint found in {options['checkpoints'] or checkpoint_dir()}: "
                    "a rewrite of the whole log cannot be ruled out."
                )
            )
