"""What importing a large staff directory and adopting the policy for everyone cost (issue #21).

A company of 5,000 people: `directory_import` (every line checked, then name, address and role
title encrypted and each person written, in one transaction), re-importing the same file
(nothing changes), and adopting the policy (one acknowledgement and link per person). Beside
them, the reference measured in the same run: checking the file alone (`parse_rows`), which the
import does first anyway. Embedded SQLite in a scratch data directory.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PEOPLE = 5_000


def main() -> None:
    data_dir = tempfile.mkdtemp(prefix="karpear-bench-")
    os.environ["KARPEAR_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karpear.settings")
    os.environ.pop("DATABASE_URL", None)
    os.environ["KARPEAR_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from karpear.orgs.services import organisation_create
    from karpear.safeguarding.directory import directory_import, parse_rows
    from karpear.safeguarding.documents import document_adopt
    from karpear.staff.models import Role
    from karpear.staff.services import staff_create

    # Its own organisation and user: under `make bench` Django may already be set up by an
    # earlier bench, on its database.
    org = organisation_create(name="Bench safeguarding", slug=f"bench-sg-{os.getpid()}")
    officer = staff_create(
        organisation=org,
        username=f"bench-sg-{os.getpid()}",
        password="x" * 20,
        role=Role.COMPLIANCE,
    )
    lines = ["name,email,department,role_title,may_encounter_csam,works_with_children"]
    lines += [f"Person {i},p{i}@bench.example,Dept {i % 40},Role,no,no" for i in range(PEOPLE)]
    data = "\n".join(lines).encode()

    def timed(fn: object) -> float:
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        return (time.perf_counter() - start) * 1000

    print(f"staff directory and acknowledgements, {PEOPLE} people, SQLite, ms")
    print(f"  reference: checking the file (parse_rows)   {timed(lambda: parse_rows(data)):8.0f}")
    first = timed(lambda: directory_import(organisation=org, data=data))
    again = timed(lambda: directory_import(organisation=org, data=data))
    print(f"  import (check, encrypt, write)              {first:8.0f}")
    print(f"  import again (nothing changes)              {again:8.0f}")
    adopt = timed(lambda: document_adopt(member=officer, kind="policy", body_en="P", body_km="ក"))
    print(f"  adopt the policy (a link per person)        {adopt:8.0f}")


if __name__ == "__main__":
    main()
