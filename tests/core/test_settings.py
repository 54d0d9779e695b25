"""Configuration: generated secrets for a checkout, loud errors in production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def _settings_in(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DATABASE_URL", "KARPEAR_ENV"}
    }
    environment.update({"KARPEAR_DATA_DIR": str(tmp_path), **env})
    code = (
        "import karpear.settings as s; print(s.SECRET_KEY); print(s.DATABASES['default']['NAME'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )


def test_a_checkout_generates_its_secret_once_into_the_data_dir(tmp_path: Path) -> None:
    first = _settings_in(tmp_path)
    second = _settings_in(tmp_path)
    assert first.returncode == 0, first.stderr
    key = first.stdout.splitlines()[0]
    assert len(key) >= 50 and key == second.stdout.splitlines()[0]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # owner-only
    assert first.stdout.splitlines()[1].endswith("karpear.sqlite3")


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    result = _settings_in(tmp_path, KARPEAR_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "ImproperlyConfigured" in result.stderr


def test_secrets_can_come_from_files(tmp_path: Path) -> None:
    secret_file = tmp_path / "sk"
    secret_file.write_text("from-a-file-" + "x" * 40)
    result = _settings_in(tmp_path, SECRET_KEY_FILE=str(secret_file))
    assert result.stdout.splitlines()[0] == "from-a-file-" + "x" * 40


def test_debug_is_off_by_default() -> None:
    assert settings.DEBUG is False


def test_no_secret_is_written_in_the_repository() -> None:
    root = Path(__file__).resolve().parents[2]
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    secrets_named = {"secret_key", "field_key", "client_hash_key", "evidence_kek"}
    assert not [
        p
        for p in tracked
        if p.startswith("var/")
        or "/var/" in p
        or p.endswith(".sqlite3")
        or p.rsplit("/", 1)[-1] in secrets_named
    ]
    assert settings.SECRET_KEY not in (root / "src/karpear/settings.py").read_text()
