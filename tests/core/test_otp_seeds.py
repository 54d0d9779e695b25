"""TOTP seeds are sealed with the field keys; every sign-in path still works (#15, item 11)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_otp.plugins.otp_totp.models import TOTPDevice

from karpear.core.crypto import DecryptionError
from karpear.core.otp_seeds import PREFIX, open_seed, seal_seed
from karpear.staff.services import totp_enrolment_device, totp_secret
from tests.cast import PASSWORD, Person, sign_in
from tests.conftest import Client


def _raw_key(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM otp_totp_totpdevice WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_a_device_seed_is_stored_sealed_and_read_back_plain(analyst: Person) -> None:
    device = analyst.device
    raw = _raw_key(device.pk)
    assert raw.startswith(PREFIX) and device.key not in raw and len(raw) <= 80
    assert TOTPDevice.objects.get(pk=device.pk).bin_key == device.bin_key
    assert list(TOTPDevice.objects.values_list("key", flat=True)) == [device.key]
    assert sign_in(analyst).get("/en/desk/queue/").status_code == 200


def test_enrolment_shows_the_same_secret_the_device_verifies(analyst: Person) -> None:
    TOTPDevice.objects.filter(user=analyst.member.user).delete()
    client = Client()
    client.post("/en/desk/login/", {"username": analyst.username, "password": PASSWORD})
    page = client.get("/en/desk/code/").content.decode()
    device = totp_enrolment_device(analyst.member.user)
    assert totp_secret(device) in page
    assert _raw_key(device.pk).startswith(PREFIX)
    out = io.StringIO()
    call_command("totp-code", totp_secret(device), stdout=out)
    own = "a passphrase of my own 1"  # enrolment replaces the first password
    form = {"code": out.getvalue().strip(), "new_password": own, "new_password_again": own}
    assert client.post("/en/desk/code/", form).status_code == 302


@pytest.mark.django_db
def test_the_demos_printed_secrets_still_sign_in() -> None:
    out = io.StringIO()
    call_command("demo", stdout=out)
    secret = re.search(r"analyst\s.*TOTP secret \(demo only\): (\w+)", out.getvalue())
    assert secret is not None
    assert all(
        _raw_key(pk).startswith(PREFIX) for pk in TOTPDevice.objects.values_list("pk", flat=True)
    )
    code = io.StringIO()
    call_command("totp-code", secret.group(1), stdout=code)
    client = Client()
    login = {"username": "analyst", "password": "karpear-demo-password"}
    assert client.post("/en/desk/login/", login).status_code == 302
    assert client.post("/en/desk/code/", {"code": code.getvalue().strip()}).status_code == 302


def test_seeds_survive_a_field_key_rotation_and_are_unreadable_without_the_keys(
    analyst: Person, settings: Any
) -> None:
    hex_key = analyst.device.key
    sealed = _raw_key(analyst.device.pk)
    settings.KARPEAR_FIELD_KEYS = ["a-new-field-key", *settings.KARPEAR_FIELD_KEYS]
    assert open_seed(sealed) == hex_key
    assert seal_seed(hex_key) != sealed
    settings.KARPEAR_FIELD_KEYS = ["someone-elses-key"]
    with pytest.raises(DecryptionError):
        open_seed(sealed)


@pytest.mark.parametrize("bad", ["not hex", "abc", "00" * 29])
def test_only_hex_seeds_that_fit_the_column_are_sealed(bad: str, settings: Any) -> None:
    with pytest.raises(ValueError, match="TOTP seed"):
        seal_seed(bad)
    assert len(seal_seed("ab" * 28)) <= 80  # the largest seed fits the column


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_existing_seeds_and_can_be_undone(analyst: Person) -> None:
    hex_key = analyst.device.key
    executor = MigrationExecutor(connection)
    executor.migrate([("core", "0001_initial")])
    try:
        assert _raw_key(analyst.device.pk) == hex_key  # opened again on the way back
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        assert _raw_key(analyst.device.pk).startswith(PREFIX)
        assert TOTPDevice.objects.get(pk=analyst.device.pk).key == hex_key
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
