"""The data directory, the SQLite database and vault files are created private (#15, item 11)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from karpear.core.filecrypt import store_encrypted
from karpear.evidence.storage import LocalBackend


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask (022), which would leave new files world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_data_directory_and_sqlite_database_are_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "data"
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KARPEAR_ENV"}}
    environment.update(
        {"KARPEAR_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "karpear.settings"}
    )
    code = (
        "import os; os.umask(0o022); import django; django.setup(); "
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('CREATE TABLE t (x int)'); c.execute('INSERT INTO t VALUES (1)')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert mode(data) == 0o700
    database = data / "karpear.sqlite3"
    assert mode(database) == 0o600
    for companion in (data / "karpear.sqlite3-wal", data / "karpear.sqlite3-shm"):
        if companion.exists():
            assert mode(companion) == 0o600
    assert all(mode(p) == 0o600 for p in data.iterdir() if p.is_file())  # generated keys too


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    data = tmp_path / "old"
    data.mkdir(mode=0o755, exist_ok=True)
    database = data / "karpear.sqlite3"
    database.touch()
    database.chmod(0o644)
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KARPEAR_ENV"}}
    environment["KARPEAR_DATA_DIR"] = str(data)
    subprocess.run([sys.executable, "-c", "import karpear.settings"], env=environment, check=True)
    assert mode(database) == 0o600


def test_vault_objects_are_owner_only(tmp_path: Path, loose_umask: None) -> None:
    vault = LocalBackend(tmp_path / "vault")
    vault.put("item-1", b"sealed bytes")
    assert mode(tmp_path / "vault") == 0o700
    assert mode(tmp_path / "vault" / "item-1") == 0o600


def test_encrypted_documents_are_owner_only(
    tmp_path: Path, settings: Any, loose_umask: None
) -> None:
    settings.DATA_DIR = tmp_path
    name = store_encrypted("letters", b"a scanned letter")
    assert mode(tmp_path / "files" / "letters" / name) == 0o600
