"""Reading the environment: typed helpers, secrets from `NAME_FILE`, and the data directory.

Every settings module reads the environment through these helpers only.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from karpear.core.datadir import NoDataDirectory, find_data_dir

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    """NAME or NAME_FILE, split on commas and new lines (a file may hold one item a line).

    List-valued secrets (KARPEAR_FIELD_KEYS, KARPEAR_EVIDENCE_KEKS) read their
    file like any other secret (issue #15, item 10).
    """
    raw = env_str(name, default)
    return [item.strip() for item in raw.replace("\n", ",").split(",") if item.strip()]


PRODUCTION = os.environ.get("KARPEAR_ENV", "development") == "production"

# The same data directory from any working directory (issue #23, item 8; core/datadir.py).
try:
    DATA_DIR = find_data_dir(os.environ, BASE_DIR)
except NoDataDirectory as _exc:
    raise ImproperlyConfigured(str(_exc)) from None
try:
    DATA_DIR.mkdir(parents=True, mode=0o700)
except FileExistsError:
    pass
else:
    # Created private (issue #15, item 11): mkdir's mode is cut by the umask, so set it.
    DATA_DIR.chmod(0o700)


def secret_from_data_dir(name: str, env_name: str) -> str:
    """A secret from the environment, or one generated once into DATA_DIR.

    Generating it keeps a plain checkout runnable without ever putting a
    constant secret in the repository; production must supply it explicitly.
    """
    value = env_str(env_name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{env_name} (or {env_name}_FILE) must be set in production")
    path = DATA_DIR / name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()
