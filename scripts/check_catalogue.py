"""Fail when the Khmer catalogue is incomplete.

Re-extracts every translatable string (makemessages into a scratch copy) and
checks that each one has a Khmer translation that is not marked fuzzy.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "src" / "karpear"
PO = PKG / "locale" / "km" / "LC_MESSAGES" / "django.po"


def entries(text: str) -> dict[str, tuple[str, bool]]:
    found: dict[str, tuple[str, bool]] = {}
    for block in text.split("\n\n"):
        msgid = re.search(r'^msgid "(.*)"$', block, re.M)
        if not msgid or not msgid.group(1):
            continue
        strs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', block, re.M)
        found[msgid.group(1)] = (strs[0] if strs else "", "#, fuzzy" in block)
    return found


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "karpear"
        shutil.copytree(PKG, scratch, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        subprocess.run(  # noqa: S603 - fixed argv, our own command
            [
                str(ROOT / ".venv/bin/karpear"),
                "makemessages",
                "-l",
                "km",
                "--no-location",
                "--no-wrap",
                "-v0",
            ],
            cwd=scratch,
            check=True,
        )
        extracted = entries((scratch / "locale/km/LC_MESSAGES/django.po").read_text("utf-8"))
    current = entries(PO.read_text("utf-8"))
    problems = [f"untranslated: {m!r}" for m in extracted if not current.get(m, ("", False))[0]]
    problems += [f"fuzzy: {m!r}" for m, (_, fuzzy) in current.items() if fuzzy]
    if problems:
        print(
            "The Khmer catalogue is incomplete (run makemessages, translate, then "
            "have a native speaker review):"
        )
        print("\n".join(f"  {p}" for p in problems))
        return 1
    print(f"Khmer catalogue complete: {len(extracted)} strings.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
