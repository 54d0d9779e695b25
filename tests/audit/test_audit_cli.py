"""Changes made at the command line reach the same audit log (issue #15, item 9)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from karpear.apikeys.models import ApiKey
from karpear.audit.cli import cli_actor_label
from karpear.audit.models import AuditEntry
from karpear.audit.services import audit_record, audit_verify
from karpear.core import signing
from karpear.orgs.models import Organisation


@pytest.fixture(autouse=True)
def _console_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUDO_USER", "sokha")


def _commands() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="cli_command").order_by("id"))


def test_a_command_records_who_ran_it_and_its_services_name_them_too(
    acme: Organisation,
) -> None:
    token = StringIO()
    call_command("apikey", "create", "--scope", "platform", "--name", "app", stdout=token)
    (entry,) = _commands()
    assert entry.actor_label == "cli:sokha" == cli_actor_label()
    assert entry.object_id == "apikey create" and entry.organisation == acme
    assert entry.detail == {"outcome": "done", "options": {"name": "app", "scope": "platform"}}
    created = AuditEntry.objects.get(action="apikey_create")
    assert created.actor_label == "cli:sokha"  # the service's own entry, not "cli"
    assert token.getvalue().strip() not in str(list(AuditEntry.objects.values()))
    assert audit_verify().ok


def test_revoking_through_the_cli_is_recorded_and_a_failed_attempt_too(
    acme: Organisation, bayon: Organisation
) -> None:
    call_command("apikey", "create", "--scope", "platform", "--name", "b", "--org", "bayon")
    key = ApiKey.objects.get()
    call_command("apikey", "revoke", key.prefix)
    with pytest.raises(CommandError):
        call_command("apikey", "revoke", "nosuchprefix")
    create, revoke, failed = _commands()
    assert create.organisation == bayon
    assert revoke.object_id == "apikey revoke" and revoke.detail["outcome"] == "done"
    assert failed.detail == {"outcome": "failed", "options": {"prefix": "nosuchprefix"}}
    assert AuditEntry.objects.get(action="apikey_revoke").actor_label == "cli:sokha"


def test_reading_commands_and_dry_runs_are_not_recorded(acme: Organisation) -> None:
    call_command("apikey", "list", stdout=StringIO())
    call_command("evidence", "purge-expired", "--dry-run", stdout=StringIO())
    call_command("blocklist", "status", stdout=StringIO())
    assert _commands() == []


def test_secret_options_never_reach_the_log(acme: Organisation, tmp_path: Path) -> None:
    token_file = tmp_path / "isp-token"
    token_file.write_text("kp_isp_secret")
    call_command(
        "blocklist",
        "subscribe",
        "upstream",
        "--url",
        "https://list.example/",
        "--token-file",
        str(token_file),
        "--public-key",
        signing.public_key_b64("org:upstream"),
        stdout=StringIO(),
    )
    (entry,) = _commands()
    assert entry.object_id == "blocklist subscribe"
    assert entry.detail["options"] == {"name": "upstream", "url": "https://list.example/"}


def test_nested_subcommands_are_named(acme: Organisation) -> None:
    call_command(
        "hashes", "bank", "add", "iwf", "--source", "iwf", "--agreement", "MoU-1", stdout=StringIO()
    )
    (entry,) = _commands()
    assert entry.object_id == "hashes bank add" and entry.organisation == acme


def test_outside_a_command_entries_keep_their_labels(acme: Organisation, settings: Any) -> None:
    assert audit_record(action="x", organisation=acme).actor_label == "system"
    assert audit_record(action="x", organisation=acme, actor_label="cli").actor_label == "cli"


def test_creating_a_superuser_or_changing_a_password_at_the_console_is_recorded(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-console-password-1")
    call_command(
        "createsuperuser",
        "--username",
        "root2",
        "--email",
        "root2@example.org",
        "--noinput",
        stdout=StringIO(),
    )
    (entry,) = _commands()
    assert entry.object_id == "createsuperuser" and entry.actor_label == "cli:sokha"
    assert entry.detail["options"]["username"] == "root2"
    assert "a-long-console-password-1" not in str(entry.detail)
