"""Consistent database snapshots and their restore, for SQLite and PostgreSQL (issue #23, 4).

The snapshot and the list of vault objects it references are read in one consistent view:
SQLite's online backup API copies the database as of one moment and the list is read from
that copy; PostgreSQL exports the snapshot of a REPEATABLE READ transaction, the list is read
in it and `pg_dump --snapshot` dumps exactly that state.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

Reader = Callable[[str], list[tuple[Any, ...]]]  # SQL -> rows, inside the snapshot


def engine() -> str:
    vendor = settings.DATABASES["default"]["ENGINE"]
    return "sqlite" if vendor.endswith("sqlite3") else "postgresql"


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """libpq arguments for pg_dump / pg_restore; the password goes in the environment only."""
    db = settings.DATABASES["default"]
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is needed for PostgreSQL backups (Debian: postgresql-client)")
    return found


@contextmanager
def snapshot(target: Path) -> Iterator[Reader]:
    """Write the database to `target` as of one moment; yield a reader of that same state."""
    if engine() == "sqlite":
        source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)  # one consistent image, taken while others write
        finally:
            source.close()
        try:
            yield lambda sql: list(copy.execute(sql).fetchall())
        finally:
            copy.close()
        return
    import psycopg

    args, env = _pg_env()
    db = settings.DATABASES["default"]
    with psycopg.connect(
        dbname=db["NAME"],
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,  # the BEGIN below chooses the isolation level
    ) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            [_tool("pg_dump"), "--format=custom", f"--snapshot={row[0]}", "-f", str(target), *args],
            env=env,
            check=True,
            capture_output=True,
        )
        yield lambda sql: list(conn.execute(sql).fetchall())
        conn.execute("COMMIT")


def is_empty() -> bool:
    """True when the configured database has no tables at all (safe to restore into)."""
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def load(source: Path) -> None:
    """Load a snapshot into the configured, empty database."""
    connection.close()
    if engine() == "sqlite":
        name = Path(str(settings.DATABASES["default"]["NAME"]))
        for companion in (Path(f"{name}-wal"), Path(f"{name}-shm")):
            companion.unlink(missing_ok=True)
        staging = name.with_suffix(".restoring")
        shutil.copyfile(source, staging)
        staging.chmod(0o600)
        os.replace(staging, name)
        return
    args, env = _pg_env()
    subprocess.run(  # noqa: S603 - fixed program, arguments from settings
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            *args,
            str(source),
        ],
        env=env,
        check=True,
        capture_output=True,
    )
