"""Where the data directory is, the same from any working directory (issue #23, item 8).

Imports nothing from Django, so settings can use it. Order: KARPEAR_DATA_DIR; else the
checkout's own `var/` (the directory holding pyproject.toml above src/karpear), so a command
run from another directory finds the same database instead of creating an empty one in its
own `var/`; else an error (an installed package has no checkout: the operator must say).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


class NoDataDirectory(Exception):
    """Neither KARPEAR_DATA_DIR nor a checkout says where the data lives."""


def find_data_dir(environ: Mapping[str, str], package_dir: Path) -> Path:
    configured = environ.get("KARPEAR_DATA_DIR", "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    checkout = package_dir.resolve().parents[1]
    if (checkout / "pyproject.toml").is_file() and package_dir.resolve().parent.name == "src":
        return checkout / "var"
    raise NoDataDirectory(
        "KARPEAR_DATA_DIR is not set and Karpear is not running from a checkout: set "
        "KARPEAR_DATA_DIR to the data directory (docs/operations.md)."
    )
