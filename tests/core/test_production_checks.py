"""Production refuses weak secrets, DEBUG, keys inside the data dir, and the demo (#15, item 10)."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from karpear.core.secret_rules import kek_weakness, text_secret_weakness

SECRET_NAMES = [
    "SECRET_KEY",
    "KARPEAR_FIELD_KEYS",
    "KARPEAR_CLIENT_HASH_KEY",
    "KARPEAR_SIGNING_KEY",
    "KARPEAR_EVIDENCE_KEKS",
]
_SCRUBBED = {
    *SECRET_NAMES,
    "KARPEAR_FIELD_KEY",
    "KARPEAR_EVIDENCE_KEK",
    "KARPEAR_AUDIT_KEYS",
    "DATABASE_URL",
    "KARPEAR_ENV",
    "DEBUG",
}


def strong() -> str:
    return secrets.token_urlsafe(32)


def kek(kek_id: str = "k1") -> str:
    return f"{kek_id}:" + base64.b64encode(secrets.token_bytes(32)).decode()


def good_production_env() -> dict[str, str]:
    return {
        "KARPEAR_ENV": "production",
        "SECRET_KEY": strong(),
        "KARPEAR_FIELD_KEYS": strong(),
        "KARPEAR_CLIENT_HASH_KEY": strong(),
        "KARPEAR_SIGNING_KEY": secrets.token_hex(32),
        "KARPEAR_EVIDENCE_KEKS": kek(),
    }


def load_settings(
    data_dir: Path, env: dict[str, str], show: str = "SECRET_KEY"
) -> subprocess.CompletedProcess[str]:
    """Import karpear.settings in a fresh interpreter with exactly this environment."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in _SCRUBBED and not any(k == f"{n}_FILE" for n in _SCRUBBED)
    }
    environment.update({"KARPEAR_DATA_DIR": str(data_dir), **env})
    code = f"import karpear.settings as s; print(repr(s.{show}))"
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )


def test_production_starts_with_strong_secrets(tmp_path: Path) -> None:
    result = load_settings(tmp_path / "data", good_production_env())
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "value",
    [
        "x" * 64,  # one character
        "ab" * 40,  # a repeated pattern
        "0123456789abcdef" * 4,  # hexadecimal, but a pattern
        secrets.token_hex(20),  # 20 random bytes: too short
        secrets.token_urlsafe(24),  # 24 random bytes: too short
        "karpear-demo-password",  # the demo's
        "django-insecure-" + secrets.token_urlsafe(40),  # Django's template value
        "please-changeme-" + secrets.token_urlsafe(40),
        "correcthorsebatterystaplecorrecthorsebatterystaple",  # words
    ],
    ids=["char", "pattern", "hex", "20-bytes", "24-bytes", "demo", "django", "changeme", "words"],
)
@pytest.mark.parametrize("name", SECRET_NAMES[:4])
def test_production_refuses_a_weak_secret_naming_it_but_never_printing_it(
    tmp_path: Path, name: str, value: str
) -> None:
    result = load_settings(tmp_path / "data", {**good_production_env(), name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr
    assert value not in result.stderr and value not in result.stdout


def test_a_weak_key_in_a_rotation_list_is_refused_by_position(tmp_path: Path) -> None:
    weak = "a" * 50
    env = {**good_production_env(), "KARPEAR_FIELD_KEYS": f"{strong()},{weak}"}
    result = load_settings(tmp_path / "data", env)
    assert result.returncode != 0
    assert "KARPEAR_FIELD_KEYS (item 2)" in result.stderr and weak not in result.stderr


@pytest.mark.parametrize(
    "entry",
    [
        "k1:" + base64.b64encode(b"\x00" * 32).decode(),  # all zero
        "k1:" + base64.b64encode(b"0123456789abcdef" * 2).decode(),  # a pattern
        "k1:" + base64.b64encode(secrets.token_bytes(16)).decode(),  # 16 bytes
        base64.b64encode(secrets.token_bytes(32)).decode(),  # no id
        "k1:not base64!",
    ],
    ids=["zeros", "pattern", "16-bytes", "no-id", "not-base64"],
)
def test_production_refuses_a_weak_or_malformed_evidence_kek(tmp_path: Path, entry: str) -> None:
    env = {**good_production_env(), "KARPEAR_EVIDENCE_KEKS": f"{kek('k2')},{entry}"}
    result = load_settings(tmp_path / "data", env)
    assert result.returncode != 0
    assert "KARPEAR_EVIDENCE_KEKS (item 2)" in result.stderr
    assert (entry.partition(":")[2] or entry) not in result.stderr


def test_production_refuses_debug(tmp_path: Path) -> None:
    result = load_settings(tmp_path / "data", {**good_production_env(), "DEBUG": "on"})
    assert result.returncode != 0 and "DEBUG is on" in result.stderr


def test_development_still_allows_debug_and_generated_secrets(tmp_path: Path) -> None:
    result = load_settings(tmp_path / "data", {"DEBUG": "on"}, show="DEBUG")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_production_refuses_the_evidence_kek_inside_the_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "keys").mkdir(parents=True)
    inside = data / "keys" / "keks"
    inside.write_text(kek())
    env = good_production_env()
    del env["KARPEAR_EVIDENCE_KEKS"]
    result = load_settings(data, {**env, "KARPEAR_EVIDENCE_KEKS_FILE": str(inside)})
    assert result.returncode != 0
    assert "KARPEAR_EVIDENCE_KEKS_FILE is inside the data directory" in result.stderr
    # The same file outside the data directory is accepted.
    outside = tmp_path / "keks"
    outside.write_text(inside.read_text())
    result = load_settings(data, {**env, "KARPEAR_EVIDENCE_KEKS_FILE": str(outside)})
    assert result.returncode == 0, result.stderr


def test_a_symlink_does_not_hide_a_key_inside_the_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "kek").write_text(kek())
    (tmp_path / "link").symlink_to(data / "kek")
    env = good_production_env()
    del env["KARPEAR_EVIDENCE_KEKS"]
    result = load_settings(data, {**env, "KARPEAR_EVIDENCE_KEKS_FILE": str(tmp_path / "link")})
    assert result.returncode != 0 and "inside the data directory" in result.stderr


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    env = {**good_production_env(), "DEBUG": "1", "SECRET_KEY": "short", "KARPEAR_SIGNING_KEY": "s"}
    result = load_settings(tmp_path / "data", env)
    for fragment in ("DEBUG is on", "SECRET_KEY is", "KARPEAR_SIGNING_KEY is"):
        assert fragment in result.stderr


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_every_secret_accepts_a_file(tmp_path: Path, name: str) -> None:
    env = good_production_env()
    value = env.pop(name)
    secret_file = tmp_path / name
    secret_file.write_text(value + "\n")
    result = load_settings(tmp_path / "data", {**env, f"{name}_FILE": str(secret_file)}, name)
    assert result.returncode == 0, result.stderr
    listed = name in {"KARPEAR_FIELD_KEYS", "KARPEAR_EVIDENCE_KEKS"}
    assert result.stdout.strip() == repr([value] if listed else value)


@pytest.mark.parametrize("name", ["KARPEAR_FIELD_KEYS", "KARPEAR_EVIDENCE_KEKS"])
def test_list_valued_secrets_read_one_item_a_line_or_commas_from_a_file(
    tmp_path: Path, name: str
) -> None:
    env = good_production_env()
    env.pop(name)
    make = kek if name == "KARPEAR_EVIDENCE_KEKS" else (lambda _id="": strong())
    items = [make("k3"), make("k2"), make("k1")]
    secret_file = tmp_path / "list"
    secret_file.write_text(f"{items[0]}\n{items[1]},{items[2]}\n\n")
    result = load_settings(tmp_path / "data", {**env, f"{name}_FILE": str(secret_file)}, name)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(items)


def test_the_demo_refuses_to_run_in_production(db: None) -> None:
    with override_settings(PRODUCTION=True), pytest.raises(CommandError, match="production"):
        call_command("demo")
    from karpear.orgs.models import Organisation

    assert not Organisation.objects.filter(slug="demo").exists()


def test_the_rules_accept_what_the_documentation_tells_operators_to_run() -> None:
    # 2,000 draws: at the old 3.5-bit floor about one random hex key in a thousand was refused.
    for _ in range(2000):
        assert text_secret_weakness(secrets.token_urlsafe(32)) is None
        assert text_secret_weakness(secrets.token_hex(32)) is None
        assert text_secret_weakness(base64.b64encode(secrets.token_bytes(32)).decode()) is None
        assert kek_weakness(kek()) is None


def test_the_audit_keys_are_checked_like_every_other_secret(tmp_path: Path) -> None:
    """The audit chain's keys: no weak one, none beside the data, one key a line in a file."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    env = good_production_env()
    weak = load_settings(data, {**env, "KARPEAR_AUDIT_KEYS": f"{strong()},short"})
    assert weak.returncode != 0 and "KARPEAR_AUDIT_KEYS (item 2) is" in weak.stderr
    inside = data / "audit-keys"
    inside.write_text(f"{strong()}\n{strong()}\n")
    beside = load_settings(data, {**env, "KARPEAR_AUDIT_KEYS_FILE": str(inside)})
    assert "KARPEAR_AUDIT_KEYS_FILE is inside the data directory" in beside.stderr
    outside = tmp_path / "audit-keys"
    outside.write_text(inside.read_text())
    ok = load_settings(
        data, {**env, "KARPEAR_AUDIT_KEYS_FILE": str(outside)}, show="KARPEAR_AUDIT_KEYS"
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.count("'") == 4  # two keys, not one holding a new line
