"""`karpear`: Django's management commands under the product's name."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karpear.settings")
    from django.core.management import execute_from_command_line

    arguments = sys.argv[1:]
    command = next((a for a in arguments if not a.startswith("-")), "help")
    if not {"-h", "--help", "--version"} & set(arguments):
        _require_database(command)
    execute_from_command_line(["karpear", *arguments])


def _require_database(command: str) -> None:
    """Stop with a message instead of running on an empty database (issue #23, item 8)."""
    import django

    from karpear.core.initialised import (
        NO_DATABASE_NEEDED,
        database_initialised,
        not_initialised_message,
    )

    if command in NO_DATABASE_NEEDED:
        return
    django.setup()
    if not database_initialised():
        sys.stderr.write(not_initialised_message() + "\n")
        raise SystemExit(2)


if __name__ == "__main__":
    main()
